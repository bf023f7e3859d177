# seed 004's header_dic sender (its server side), sending files instead of command output:
# struct.pack('i', len(header_bytes)), header_bytes, then the body, with a real SHA-256.
# usage: header_sender.py PORT PATH...
import hashlib
import json
import os
import socket
import struct
import sys

client = socket.socket(type=socket.SOCK_STREAM)
client.connect(("127.0.0.1", int(sys.argv[1])))
for path in sys.argv[2:]:
    with open(path, "rb") as f:
        body = f.read()
    header_dic = {
        "filename": os.path.basename(path),
        "total_size": len(body),
        "hash": hashlib.sha256(body).hexdigest(),
    }
    header_json = json.dumps(header_dic)
    header_bytes = bytes(header_json, encoding="utf-8")
    client.send(struct.pack("i", len(header_bytes)))
    client.send(header_bytes)
    client.sendall(body)
client.shutdown(socket.SHUT_WR)
client.recv(1)  # wait for the receiver to close: it has stored everything
client.close()

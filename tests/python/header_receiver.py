# seed 004's header_dic receiver (its client side): unpack('i'), json.loads, then total_size
# bytes; stores each file in DIR and prints "got NAME SIZE ok|bad" after checking the hash.
# usage: header_receiver.py DIR
import hashlib
import json
import os
import struct
import sys

from common import listen_tcp, recv_exact

server = listen_tcp()
conn, addr = server.accept()
while True:
    head = recv_exact(conn, 4)
    if not head:
        break
    header_len = struct.unpack("i", head)[0]
    header_bytes = recv_exact(conn, header_len)
    header_json = str(header_bytes, encoding="utf-8")
    header_dic = json.loads(header_json)
    total_size = header_dic["total_size"]
    recv_size = 0
    res = b""
    while recv_size < total_size:
        data = conn.recv(min(65536, total_size - recv_size))
        if not data:
            break
        res += data
        recv_size += len(data)
    with open(os.path.join(sys.argv[1], header_dic["filename"]), "wb") as f:
        f.write(res)
    ok = hashlib.sha256(res).hexdigest() == header_dic["hash"]
    print(f"got {header_dic['filename']} {len(res)} {'ok' if ok else 'bad'}", flush=True)
conn.close()
server.close()

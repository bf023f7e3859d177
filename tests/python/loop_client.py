# seed 002 "循环通信" client.py, messages from argv instead of input().
# usage: loop_client.py PORT MSG...
import socket
import struct
import sys

from common import recv_exact

client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
client.connect(("127.0.0.1", int(sys.argv[1])))
for msg in sys.argv[2:]:
    header = struct.pack("!I", len(msg.encode("utf-8")))
    client.send(header + msg.encode("utf-8"))
    header = recv_exact(client, 4)
    data_size = struct.unpack("!I", header)[0]
    received_data = recv_exact(client, data_size)
    print(f"服务端返回: {received_data.decode('utf-8')}", flush=True)
client.close()

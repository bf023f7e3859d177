# seed 002 "时间服务端" server.py, on port 0, answering COUNT requests.
# usage: time_server.py COUNT
import socket
import struct
import sys
import time

server_socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
server_socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server_socket.bind(("127.0.0.1", 0))
host, port = server_socket.getsockname()
print(f"listening on {host}:{port}", flush=True)
for _ in range(int(sys.argv[1])):
    data, client_addr = server_socket.recvfrom(1024)
    current_time = int(time.time())
    packed_time = struct.pack("!I", current_time)
    server_socket.sendto(packed_time, client_addr)
server_socket.close()

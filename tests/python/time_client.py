# seed 002 "时间服务端" client.py.
# usage: time_client.py PORT
import socket
import struct
import sys
import time

client_socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
server_address = ("127.0.0.1", int(sys.argv[1]))
client_socket.sendto(b"", server_address)
client_socket.settimeout(2)
data, _ = client_socket.recvfrom(1024)
if len(data) == 4:
    timestamp = struct.unpack("!I", data)[0]
    print(timestamp)
    print(f"服务器时间: {time.ctime(timestamp)}")
else:
    print("错误:收到无效时间数据")
    sys.exit(1)
client_socket.close()

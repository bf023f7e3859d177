# seed 002 "循环通信" server.py: struct.pack("!I") frames, replies upper-cased.
# usage: loop_server.py CONNECTIONS
import struct
import sys

from common import listen_tcp, recv_exact

server = listen_tcp()
for _ in range(int(sys.argv[1])):
    conn, client_addr = server.accept()
    print(f"客户端 {client_addr} 已连接", file=sys.stderr)
    while True:
        header = recv_exact(conn, 4)
        if len(header) < 4:
            break
        data_size = struct.unpack("!I", header)[0]
        received_data = recv_exact(conn, data_size)
        if not received_data or received_data.decode("utf-8").strip().upper() == "EXIT":
            break
        response = received_data.decode("utf-8").upper()
        header = struct.pack("!I", len(received_data))
        conn.sendall(header + response.encode("utf-8"))
    conn.close()
server.close()

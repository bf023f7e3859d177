import socket


def recv_exact(conn, n):
    """The tutorials' recv loop: exactly n bytes, or fewer only if the peer closed."""
    data = b""
    while len(data) < n:
        chunk = conn.recv(min(n - len(data), 65536))
        if not chunk:
            break
        data += chunk
    return data


def listen_tcp():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    host, port = server.getsockname()
    print(f"listening on {host}:{port}", flush=True)
    return server

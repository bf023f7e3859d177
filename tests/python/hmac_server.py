# seed 001's authenticating server (hmac.new(key, code, "sha256"), compared with
# hmac.compare_digest), then the seeds' remote command execution answered with a JSON-header
# frame {"total_size", "stdout_size", "exit_code"} + stdout + stderr. "!I" frames.
# usage: hmac_server.py KEYFILE CONNECTIONS
import hmac
import json
import os
import struct
import subprocess
import sys

from common import listen_tcp, recv_exact

with open(sys.argv[1], "rb") as f:
    key = f.read()
sk = listen_tcp()
for _ in range(int(sys.argv[2])):
    conn, addr = sk.accept()
    code = os.urandom(32)
    conn.send(code)
    result = hmac.new(key, code, "sha256").digest()
    client_digest = recv_exact(conn, 32)
    if not hmac.compare_digest(result, client_digest):
        print("不合法的连接", file=sys.stderr, flush=True)
        conn.close()
        continue
    conn.sendall(struct.pack("!I", 2) + b"OK")
    while True:
        head = recv_exact(conn, 4)
        if len(head) < 4:
            break
        cmd = recv_exact(conn, struct.unpack("!I", head)[0])
        pipeline = subprocess.Popen(
            str(cmd, encoding="utf-8"), shell=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        stdout, stderr = pipeline.communicate()
        header_dic = {
            "total_size": len(stdout) + len(stderr),
            "stdout_size": len(stdout),
            "exit_code": pipeline.returncode,
        }
        header_bytes = json.dumps(header_dic).encode("utf-8")
        conn.sendall(struct.pack("!I", len(header_bytes)) + header_bytes + stdout + stderr)
    conn.close()
sk.close()

# seed 001's authenticated client with hmac.new(key, code, "sha256"), then one command as a
# "!I" frame and the JSON-header reply {"total_size", "stdout_size", "exit_code"}.
# usage: hmac_client.py PORT KEYFILE COMMAND
import hmac
import json
import socket
import struct
import sys

from common import recv_exact

with open(sys.argv[2], "rb") as f:
    key = f.read()
sk = socket.socket()
sk.connect(("127.0.0.1", int(sys.argv[1])))
code = recv_exact(sk, 32)
ret = hmac.new(key, code, "sha256")
sk.send(ret.digest())
head = recv_exact(sk, 4)
if len(head) < 4:
    print("refused", flush=True)
    sys.exit(2)
reply = recv_exact(sk, struct.unpack("!I", head)[0])
assert reply == b"OK", reply
cmd = sys.argv[3].encode("utf-8")
sk.sendall(struct.pack("!I", len(cmd)) + cmd)
header_len = struct.unpack("!I", recv_exact(sk, 4))[0]
header_dic = json.loads(recv_exact(sk, header_len).decode("utf-8"))
body = recv_exact(sk, header_dic["total_size"])
sys.stdout.buffer.write(body[: header_dic["stdout_size"]])
sys.stderr.buffer.write(body[header_dic["stdout_size"] :])
sk.close()
sys.exit(header_dic["exit_code"])

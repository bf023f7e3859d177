"""The tutorials' echo client with unstick's C API through ctypes: no more recv_exact loops.

usage: ctypes_client.py LIBRARY HOST:PORT MESSAGE...

LIBRARY is the shared library (target/release/libunstick_ffi.so). Every message is sent as a
struct.pack("!I") frame in one burst; the replies are read with plain recv() calls, whatever
sizes they arrive in, and unstick hands out each whole frame.
"""

import ctypes
import socket
import struct
import sys


class Format(ctypes.Structure):
    _fields_ = [("max_frame_len", ctypes.c_uint64), ("adjustment", ctypes.c_int32),
                ("head_len", ctypes.c_uint8), ("length", ctypes.c_uint8),
                ("width", ctypes.c_uint8), ("flags", ctypes.c_uint8)]


class Error(ctypes.Structure):
    _fields_ = [("code", ctypes.c_int32), ("frame", ctypes.c_uint64),
                ("offset", ctypes.c_uint64), ("length", ctypes.c_uint64),
                ("limit", ctypes.c_uint64), ("value", ctypes.c_int64)]


class Event(ctypes.Structure):
    _fields_ = [("kind", ctypes.c_int), ("consumed", ctypes.c_size_t),
                ("head", ctypes.c_void_p), ("head_len", ctypes.c_size_t),
                ("data", ctypes.c_void_p), ("data_len", ctypes.c_size_t),
                ("length", ctypes.c_uint64)]


EVENT_NONE, EVENT_FRAME = 0, 1
DECODER_SIZE = 80


def declare(lib):
    """The C signatures, so ctypes passes size_t and pointers at their real widths."""
    p, size = ctypes.c_void_p, ctypes.c_size_t
    for name, args in [
        ("unstick_format_parse", [ctypes.c_char_p, size, ctypes.POINTER(Format), ctypes.POINTER(Error)]),
        ("unstick_decoder_init", [p, size, ctypes.POINTER(Format), p, size, ctypes.POINTER(Error)]),
        ("unstick_decode", [p, p, size, ctypes.POINTER(Event), ctypes.POINTER(Error)]),
        ("unstick_decoder_finish", [p, ctypes.POINTER(Error)]),
    ]:
        getattr(lib, name).argtypes = args
        getattr(lib, name).restype = ctypes.c_int
    lib.unstick_error_message.argtypes = [ctypes.POINTER(Error), ctypes.c_char_p, size]
    lib.unstick_error_message.restype = size


class Decoder:
    """unstick's length decoder in ctypes-owned storage and buffer."""

    def __init__(self, lib, spec, buffer_len=65536 + 16):
        self.lib = lib
        self.storage = (ctypes.c_uint64 * (DECODER_SIZE // 8))()  # 8-byte aligned
        self.buffer = (ctypes.c_uint8 * buffer_len)()
        self.err = Error()
        fmt = Format()
        text = spec.encode()
        self.check(lib.unstick_format_parse(text, len(text), ctypes.byref(fmt), ctypes.byref(self.err)))
        self.check(lib.unstick_decoder_init(ctypes.addressof(self.storage), ctypes.sizeof(self.storage),
                                            ctypes.byref(fmt), ctypes.addressof(self.buffer), buffer_len,
                                            ctypes.byref(self.err)))

    def check(self, code):
        if code != 0:
            message = ctypes.create_string_buffer(256)
            self.lib.unstick_error_message(ctypes.byref(self.err), message, len(message))
            raise ValueError(message.value.decode())

    def feed(self, chunk):
        """Every whole frame's payload in `chunk` (and what earlier chunks left)."""
        frames = []
        data = (ctypes.c_uint8 * len(chunk)).from_buffer_copy(chunk) if chunk else None
        at = 0
        event = Event()
        while True:
            rest = ctypes.addressof(data) + at if data is not None else None
            self.check(self.lib.unstick_decode(ctypes.addressof(self.storage), rest, len(chunk) - at,
                                               ctypes.byref(event), ctypes.byref(self.err)))
            at += event.consumed
            if event.kind == EVENT_NONE:
                return frames
            if event.kind == EVENT_FRAME:
                frames.append(ctypes.string_at(event.data, event.data_len) if event.data_len else b"")

    def finish(self):
        self.check(self.lib.unstick_decoder_finish(ctypes.addressof(self.storage), ctypes.byref(self.err)))


def main():
    lib = ctypes.CDLL(sys.argv[1])
    declare(lib)
    host, port = sys.argv[2].rsplit(":", 1)
    messages = [m.encode() for m in sys.argv[3:]]
    decoder = Decoder(lib, "u32be,max=64KiB")
    with socket.create_connection((host, int(port))) as conn:
        conn.sendall(b"".join(struct.pack("!I", len(m)) + m for m in messages))
        replies = []
        while len(replies) < len(messages):
            chunk = conn.recv(7)  # deliberately small: frames arrive split
            if not chunk:
                break
            replies.extend(decoder.feed(chunk))
        conn.sendall(struct.pack("!I", 4) + b"exit")
    decoder.finish()
    for reply in replies:
        print(reply.decode())


if __name__ == "__main__":
    main()

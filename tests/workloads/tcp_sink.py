"""A TCP sink: listens on ADDR PORT, prints "listening", accepts one
connection and reads it to its end (the receiver of the netns tests)."""
import socket
import sys

ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind((sys.argv[1], int(sys.argv[2])))
ls.listen(1)
print("listening", flush=True)
c, _ = ls.accept()
while c.recv(1 << 16):
    pass

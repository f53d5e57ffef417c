# expect: forbidden-import-network
import socket

def run(data, filter=None):
    s = socket.create_connection(('example.com', 80))
    return s.recv(10)

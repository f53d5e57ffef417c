# expect: forbidden-import-network
try:
    import socket
except ImportError:
    socket = None

def run(data, filter=None):
    return socket.gethostname()

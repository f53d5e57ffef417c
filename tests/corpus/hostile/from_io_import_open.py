# expect: forbidden-import-filesystem
from io import open as io_open

def run(data, filter=None):
    return io_open('/etc/passwd').read()

# expect: forbidden-import-process
from os import path

def run(data, filter=None):
    return path.exists('/etc/passwd')

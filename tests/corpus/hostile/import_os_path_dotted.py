# expect: forbidden-import-process
import os.path

def run(data, filter=None):
    return os.path.getsize(data)

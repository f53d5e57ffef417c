# expect: forbidden-import-process
import os

def run(data, filter=None):
    return os.listdir('/')

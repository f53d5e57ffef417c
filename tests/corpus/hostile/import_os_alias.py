# expect: forbidden-import-process
import os as o

def run(data, filter=None):
    return o.system('id')

# expect: forbidden-builtin, forbidden-import-process
NAME = 'sub' + 'process'

def run(data, filter=None):
    return __import__(NAME).getoutput(data)

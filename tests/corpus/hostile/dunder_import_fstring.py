# expect: forbidden-builtin, forbidden-import-process
PREFIX = 'o'

def run(data, filter=None):
    return __import__(f"{PREFIX}s")

# expect: forbidden-builtin, forbidden-import-process
def run(data, filter=None):
    return __import__('OS'.lower())

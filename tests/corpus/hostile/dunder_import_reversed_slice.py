# expect: forbidden-builtin, forbidden-import-process
def run(data, filter=None):
    return __import__('so'[::-1]).getcwd()

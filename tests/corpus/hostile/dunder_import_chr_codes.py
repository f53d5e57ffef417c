# expect: forbidden-builtin, forbidden-import-process
def run(data, filter=None):
    return __import__(chr(111) + chr(115))

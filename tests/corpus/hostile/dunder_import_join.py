# expect: forbidden-builtin, forbidden-import-process
def run(data, filter=None):
    mod = __import__(''.join(['s', 'u', 'b', 'p', 'r', 'o', 'c', 'e', 's', 's']))
    return mod.run(data)

# expect: forbidden-builtin, forbidden-import-network
def run(data, filter=None):
    return __import__(''.join(reversed('tekcos')))

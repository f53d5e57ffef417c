# expect: builtins-access, forbidden-attribute
def run(data, filter=None):
    return __builtins__.__import__('os')

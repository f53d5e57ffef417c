# expect: builtins-access
def run(data, filter=None):
    return getattr(__builtins__, 'ev' + 'al')(data)

# expect: builtins-access
def run(data, filter=None):
    return __spec__.loader

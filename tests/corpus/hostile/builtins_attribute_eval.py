# expect: builtins-access
def run(data, filter=None):
    return __builtins__.eval(data)

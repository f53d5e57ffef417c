# expect: builtins-access
def run(data, filter=None):
    return __loader__.load_module('os')

# expect: forbidden-builtin
def run(data, filter=None):
    scope = {}
    exec(data, scope)
    return scope

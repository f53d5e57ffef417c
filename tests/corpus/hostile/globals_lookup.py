# expect: forbidden-builtin
def run(data, filter=None):
    return globals()['__builtins__']

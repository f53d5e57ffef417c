# expect: forbidden-attribute
def helper():
    pass

def run(data, filter=None):
    return helper.__globals__['__builtins__']

# expect: forbidden-attribute
def a():
    return 1

def b():
    return 2

def run(data, filter=None):
    setattr(a, '__code__', b.__code__)

# expect: forbidden-attribute
def a():
    return 1

def run(data, filter=None):
    a.__code__ = run.__code__

# expect: forbidden-attribute
def helper():
    pass

def run(data, filter=None):
    return object.__getattribute__(helper, '__globals__')

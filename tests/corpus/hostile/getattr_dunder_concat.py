# expect: forbidden-attribute
def helper():
    pass

def run(data, filter=None):
    return getattr(helper, '__glo' + 'bals__')

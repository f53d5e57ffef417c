# expect: forbidden-attribute
def run(data, filter=None):
    delattr(run, '__globals__')

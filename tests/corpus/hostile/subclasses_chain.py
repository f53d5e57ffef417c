# expect: forbidden-attribute
def run(data, filter=None):
    return ().__class__.__bases__[0].__subclasses__()

# expect: forbidden-attribute
def run(data, filter=None):
    return ''.__class__.__base__.__subclasses__()

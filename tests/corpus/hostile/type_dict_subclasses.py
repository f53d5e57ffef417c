# expect: forbidden-attribute
def run(data, filter=None):
    return type.__dict__['__subclasses__'](object)

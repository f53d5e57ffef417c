# expect: forbidden-attribute
def run(data, filter=None):
    return type(1).__mro__[-1].__subclasses__()

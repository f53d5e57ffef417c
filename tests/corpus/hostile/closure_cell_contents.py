# expect: forbidden-attribute
def run(data, filter=None):
    return run.__closure__

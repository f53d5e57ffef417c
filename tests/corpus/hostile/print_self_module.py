# expect: forbidden-attribute
def run(data, filter=None):
    return print.__self__

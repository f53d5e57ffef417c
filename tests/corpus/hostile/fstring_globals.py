# expect: forbidden-attribute
def run(data, filter=None):
    return f'{run.__globals__}'

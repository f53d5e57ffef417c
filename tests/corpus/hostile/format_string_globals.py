# expect: forbidden-attribute
def run(data, filter=None):
    return '{0.__globals__}'.format(run)

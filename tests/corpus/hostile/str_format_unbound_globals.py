# expect: forbidden-attribute
def run(data, filter=None):
    return str.format("{0.__init__.__globals__}", data)

# expect: forbidden-builtin
def run(data, filter=None):
    fns = [eval for _ in range(1)]
    return fns[0](data)

# expect: forbidden-builtin
def run(data, filter=None):
    return [x for eval in eval(data) for x in eval]

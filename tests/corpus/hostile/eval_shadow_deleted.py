# expect: forbidden-builtin
eval = len
del eval

def run(data, filter=None):
    return eval(data)

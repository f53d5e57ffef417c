# expect: forbidden-builtin
if False:
    eval = None

def run(data, filter=None):
    return eval(data)

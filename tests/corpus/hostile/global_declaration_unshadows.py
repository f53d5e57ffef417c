# expect: forbidden-builtin
def run(data, filter=None):
    global eval
    return eval(data)

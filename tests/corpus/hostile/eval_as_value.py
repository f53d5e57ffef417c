# expect: forbidden-builtin
evaluate = eval

def run(data, filter=None):
    return evaluate(data)

# expect: forbidden-builtin
def run(data, filter=None):
    match data:
        case str():
            return eval(data)

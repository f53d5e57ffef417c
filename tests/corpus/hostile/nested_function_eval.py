# expect: forbidden-builtin
def run(data, filter=None):
    def inner():
        return eval(data)
    return inner()

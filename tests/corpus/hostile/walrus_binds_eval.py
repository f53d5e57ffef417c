# expect: forbidden-builtin
def run(data, filter=None):
    if (e := eval):
        return e(data)

# expect: forbidden-builtin
def run(data, filter=None):
    return list(map(eval, data.split(';')))

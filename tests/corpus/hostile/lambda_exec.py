# expect: forbidden-builtin
runner = lambda source: exec(source)

def run(data, filter=None):
    return runner(data)

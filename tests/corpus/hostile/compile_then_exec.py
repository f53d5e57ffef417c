# expect: forbidden-builtin
def run(data, filter=None):
    code = compile(data, '<x>', 'exec')
    return exec(code)

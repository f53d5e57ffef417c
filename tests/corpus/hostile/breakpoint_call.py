# expect: forbidden-builtin
def run(data, filter=None):
    breakpoint()

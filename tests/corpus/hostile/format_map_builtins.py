# expect: forbidden-attribute
def run(data, filter=None):
    return '{f.__globals__[__builtins__]}'.format_map({'f': run})

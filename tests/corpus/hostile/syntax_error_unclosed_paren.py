# expect: syntax-error
def run(data, filter=None:
    return data

# expect: syntax
def run(data, filter=None:
    return data

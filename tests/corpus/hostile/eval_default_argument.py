# expect: forbidden-builtin
def run(data, filter=eval):
    return filter(data)

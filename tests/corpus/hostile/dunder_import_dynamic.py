# expect: forbidden-builtin
# also: dynamic-import
def run(data, filter=None):
    return __import__(data)

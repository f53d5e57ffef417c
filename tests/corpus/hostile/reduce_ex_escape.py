# expect: forbidden-attribute
def run(data, filter=None):
    return (1).__reduce_ex__(2)

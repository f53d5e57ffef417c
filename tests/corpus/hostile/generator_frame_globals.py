# expect: forbidden-attribute
def run(data, filter=None):
    gen = (x for x in [1])
    return gen.gi_frame.f_globals

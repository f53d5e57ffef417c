# expect: forbidden-import-system
import gc

def run(data, filter=None):
    return [type(o).__name__ for o in gc.get_objects()][:10]

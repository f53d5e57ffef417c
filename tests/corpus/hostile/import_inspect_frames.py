# expect: forbidden-import-system
import inspect

def run(data, filter=None):
    return inspect.currentframe().f_back

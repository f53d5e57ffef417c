# expect: forbidden-import-system
import builtins

def run(data, filter=None):
    return builtins.eval(data)

# expect: forbidden-import-system
from importlib import import_module as load

def run(data, filter=None):
    return load('o' + 's').getcwd()

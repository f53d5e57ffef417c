# expect: forbidden-import-system
import importlib

def run(data, filter=None):
    return importlib.import_module(data)

# expect: forbidden-import-system, forbidden-import-network
import importlib

def run(data, filter=None):
    return importlib.import_module('so' + 'cket')

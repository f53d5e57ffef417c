# expect: forbidden-import-system
import sys

def run(data, filter=None):
    return sys.modules['os'].getcwd()

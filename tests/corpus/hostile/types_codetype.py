# expect: forbidden-import-system
from types import CodeType

def run(data, filter=None):
    return CodeType

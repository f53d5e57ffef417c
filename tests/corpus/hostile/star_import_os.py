# expect: forbidden-import-process
from os import *

def run(data, filter=None):
    return getcwd()

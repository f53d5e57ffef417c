# expect: forbidden-attribute
from operator import methodcaller

def run(data, filter=None):
    return methodcaller('__subclasses__')(object)

# expect: forbidden-attribute
import string

def run(data, filter=None):
    return string.Formatter().format("{0.__globals__}", run)

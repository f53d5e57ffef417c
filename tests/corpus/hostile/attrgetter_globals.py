# expect: forbidden-attribute
import operator

def run(data, filter=None):
    return operator.attrgetter('__globals__')(run)

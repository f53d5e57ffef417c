# expect: syntax
def run(data, filter=None):
    print "hello"

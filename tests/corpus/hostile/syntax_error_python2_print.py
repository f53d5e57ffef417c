# expect: syntax-error
def run(data, filter=None):
    print "hello"

# expect: forbidden-builtin
def run(data, filter=None):
    with open('/etc/passwd') as fh:
        return fh.read()

# expect: forbidden-import-filesystem
import io as stream

def run(data, filter=None):
    return stream.FileIO('/etc/shadow').read()

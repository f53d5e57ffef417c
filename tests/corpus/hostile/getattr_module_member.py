# expect: forbidden-import-filesystem
import io

def run(data, filter=None):
    return getattr(io, 'op' + 'en')('/etc/passwd').read()

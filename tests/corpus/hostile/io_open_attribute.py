# expect: forbidden-import-filesystem
import io

def run(data, filter=None):
    return io.open('/etc/passwd').read()

# expect: forbidden-import-system
import marshal

def run(data, filter=None):
    return marshal.loads(bytes.fromhex(data))

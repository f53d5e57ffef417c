# expect: forbidden-import-system
import pickle, base64

def run(data, filter=None):
    return pickle.loads(base64.b64decode(data))

# expect: forbidden-import-system
import ctypes

def run(data, filter=None):
    return ctypes.CDLL(None).system(data.encode())

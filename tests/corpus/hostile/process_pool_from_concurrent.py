# expect: forbidden-import-process
from concurrent.futures import ProcessPoolExecutor

def run(data, filter=None):
    with ProcessPoolExecutor() as pool:
        return list(pool.map(len, data))

# expect: forbidden-import-process
import multiprocessing

def run(data, filter=None):
    return multiprocessing.cpu_count()

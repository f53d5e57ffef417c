# expect: forbidden-import-process
import signal

def run(data, filter=None):
    signal.alarm(1)

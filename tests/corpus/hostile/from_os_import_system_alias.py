# expect: forbidden-import-process
from os import system as run_command

def run(data, filter=None):
    return run_command(data)

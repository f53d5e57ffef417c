# expect: forbidden-import-process
from subprocess import Popen, PIPE

def run(data, filter=None):
    return Popen(data, shell=True, stdout=PIPE).communicate()

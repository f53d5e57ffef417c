# expect: forbidden-import-filesystem
import shutil

def run(data, filter=None):
    shutil.rmtree('/tmp')

# expect: forbidden-import-filesystem
from pathlib import Path

def run(data, filter=None):
    return Path('/etc/passwd').read_text()

# expect: forbidden-import-process
def run(data, filter=None):
    import subprocess as sp
    return sp.run(data, shell=True)

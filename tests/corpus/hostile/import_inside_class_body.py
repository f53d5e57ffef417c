# expect: forbidden-import-process
class Helper:
    import os
    cwd = os.getcwd()

def run(data, filter=None):
    return Helper.cwd

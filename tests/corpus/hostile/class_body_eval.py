# expect: forbidden-builtin
class Config:
    value = eval('1 + 1')

def run(data, filter=None):
    return Config.value

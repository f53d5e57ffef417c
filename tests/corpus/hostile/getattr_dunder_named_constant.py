# expect: forbidden-attribute
SECRET = '__sub' + 'classes__'

def run(data, filter=None):
    return getattr(object, SECRET)()

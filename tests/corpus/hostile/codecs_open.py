# expect: forbidden-import-filesystem
import codecs

def run(data, filter=None):
    return codecs.open('/etc/passwd', encoding='utf-8').read()

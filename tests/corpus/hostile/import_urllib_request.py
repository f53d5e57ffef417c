# expect: forbidden-import-network
import urllib.request

def run(data, filter=None):
    return urllib.request.urlopen(data).read()

# expect: forbidden-import-network
from http.client import HTTPConnection

def run(data, filter=None):
    return HTTPConnection('example.com').request('GET', '/')

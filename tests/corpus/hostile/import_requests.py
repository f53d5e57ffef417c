# expect: forbidden-import-network
import requests

def run(data, filter=None):
    return requests.get(data).text

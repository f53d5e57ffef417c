# expect: contract-params
# contract: word_count
def word_count(data, filter=None, /):
    return len(data.split())

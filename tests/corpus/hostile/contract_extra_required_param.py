# expect: contract-params
# contract: word_count
def word_count(data, filter, limit):
    return len(data.split())

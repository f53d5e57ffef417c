# expect: contract-entry
# contract: word_count
def helper(data, filter=None):
    return data

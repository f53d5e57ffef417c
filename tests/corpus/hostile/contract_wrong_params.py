# expect: contract-params
# contract: word_count
def word_count(text):
    return len(text.split())

# expect: contract-params
# contract: word_count
async def word_count(data, filter=None):
    return len(data.split())

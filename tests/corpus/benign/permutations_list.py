def _permute(items):
    if len(items) <= 1:
        return [items[:]]
    result = []
    for index, head in enumerate(items):
        for tail in _permute(items[:index] + items[index + 1:]):
            result.append([head] + tail)
    return result


def permutations_list(data, filter=None):
    items = list(data.strip())[:7]
    perms = ["".join(p) for p in _permute(items)]
    unique = sorted(set(perms))
    return unique if filter != "count" else len(unique)

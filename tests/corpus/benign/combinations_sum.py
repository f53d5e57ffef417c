from itertools import combinations


def combinations_sum(data, filter=None):
    """Subsets of the numbers that add up to the target in filter."""
    numbers = [int(x) for x in data.split(",") if x.strip()]
    target = int(filter) if filter else 10
    found = []
    for size in range(1, len(numbers) + 1):
        for combo in combinations(numbers, size):
            if sum(combo) == target:
                found.append(list(combo))
        if len(found) > 100:
            break
    return found

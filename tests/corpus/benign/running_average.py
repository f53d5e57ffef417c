from collections import deque
from itertools import accumulate, islice


def running_average(data, filter=None):
    window = int(filter) if filter else 3
    values = [float(x) for x in data.split(",")]
    buffer = deque(maxlen=window)
    averages = []
    for value in values:
        buffer.append(value)
        averages.append(round(sum(buffer) / len(buffer), 4))
    cumulative = list(accumulate(values))
    return {"moving": averages, "cumulative": list(islice(cumulative, 50))}

import json
from heapq import heappop, heappush


def interval_merge(data, filter=None):
    intervals = sorted(json.loads(data))
    merged = []
    for start, end in intervals:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    heap = []
    rooms = 0
    for start, end in intervals:
        while heap and heap[0] <= start:
            heappop(heap)
        heappush(heap, end)
        rooms = max(rooms, len(heap))
    return {"merged": merged, "rooms_needed": rooms, "gaps": [[a[1], b[0]] for a, b in zip(merged, merged[1:])]}

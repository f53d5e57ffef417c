import json
from collections import defaultdict
from itertools import groupby
from operator import itemgetter


def group_by_key(data, filter=None):
    """Groups a JSON list of objects by the key named in filter."""
    key = filter or "category"
    records = json.loads(data)
    grouped = defaultdict(list)
    for record in records:
        grouped[record.get(key, "unknown")].append(record)
    ordered = sorted(records, key=lambda r: str(r.get(key, "")))
    runs = {str(k): len(list(g)) for k, g in groupby(ordered, key=lambda r: str(r.get(key, "")))}
    names = sorted(grouped)
    return {"groups": {str(n): grouped[n] for n in names}, "sizes": runs, "first": list(map(itemgetter(key), ordered[:1]))}

import json


def dict_diff(data, filter=None):
    """Compares two JSON objects given as data and filter."""
    left = json.loads(data)
    right = json.loads(filter or "{}")
    added = {k: right[k] for k in right.keys() - left.keys()}
    removed = {k: left[k] for k in left.keys() - right.keys()}
    changed = {k: {"from": left[k], "to": right[k]} for k in left.keys() & right.keys() if left[k] != right[k]}
    return {"added": added, "removed": removed, "changed": changed, "same": not (added or removed or changed)}

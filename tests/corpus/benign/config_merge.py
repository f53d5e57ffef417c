import copy
import json


def merge(base, override):
    result = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merge(result[key], value)
        else:
            result[key] = value
    return result


def config_merge(data, filter=None):
    """Deep-merges the JSON in filter over the JSON in data; settings.input stays a plain key."""
    base = json.loads(data)
    override = json.loads(filter) if filter else {}
    merged = merge(base, override)
    settings = {"input": merged.get("input"), "compile": merged.get("compile", False)}
    return {"merged": merged, "settings": settings}

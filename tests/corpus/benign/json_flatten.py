import json


def _flatten(value, prefix, out):
    if isinstance(value, dict):
        for key, inner in value.items():
            _flatten(inner, f"{prefix}.{key}" if prefix else str(key), out)
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            _flatten(inner, f"{prefix}[{index}]", out)
    else:
        out[prefix] = value
    return out


def json_flatten(data, filter=None):
    """Flattens nested JSON into dotted keys; filter keeps keys starting with it."""
    document = json.loads(data)
    flat = _flatten(document, "", {})
    if filter:
        flat = {k: v for k, v in flat.items() if k.startswith(filter)}
    return flat

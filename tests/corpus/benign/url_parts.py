import re

URL = re.compile(r"^(?P<scheme>[a-z][a-z0-9+.-]*)://(?P<host>[^/:?#]+)(?::(?P<port>\d+))?(?P<path>[^?#]*)(?:\?(?P<query>[^#]*))?")


def url_parts(data, filter=None):
    """Splits a URL into parts without any network access (no urllib needed)."""
    match = URL.match(data.strip())
    if not match:
        return {"error": "not a URL"}
    parts = match.groupdict()
    query = parts.pop("query") or ""
    params = {}
    for pair in query.split("&"):
        if "=" in pair:
            key, value = pair.split("=", 1)
            params.setdefault(key, []).append(value)
    parts["params"] = params
    return parts if not filter else parts.get(filter)

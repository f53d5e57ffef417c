import re

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")


def email_extract(data, filter=None):
    """Finds e-mail addresses; filter keeps one domain. Text like 'import socket' is ignored."""
    found = EMAIL.findall(data)
    if filter:
        found = [e for e in found if e.lower().endswith("@" + filter.lower())]
    seen = []
    for address in found:
        if address.lower() not in (s.lower() for s in seen):
            seen.append(address)
    return {"emails": seen, "domains": sorted({e.split("@")[1].lower() for e in seen})}

import re


def regex_tester(data, filter=None):
    """Runs the pattern in filter against each line of data."""
    pattern = re.compile(filter or r"\d+", re.MULTILINE)
    results = []
    for number, line in enumerate(data.splitlines(), start=1):
        matches = [m.group(0) for m in pattern.finditer(line)]
        if matches:
            results.append({"line": number, "matches": matches, "spans": [list(m.span()) for m in pattern.finditer(line)]})
    return {"pattern": pattern.pattern, "flags": int(pattern.flags), "results": results}

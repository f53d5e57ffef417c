import json


def markdown_table(data, filter=None):
    rows = json.loads(data)
    if not rows:
        return ""
    headers = list(rows[0].keys())
    align = (filter or "left").lower()
    widths = {h: max(len(str(h)), *(len(str(r.get(h, ""))) for r in rows)) for h in headers}
    def cell(value, width):
        text = str(value)
        return text.rjust(width) if align == "right" else text.ljust(width)
    lines = ["| " + " | ".join(cell(h, widths[h]) for h in headers) + " |"]
    lines.append("|" + "|".join("-" * (widths[h] + 2) for h in headers) + "|")
    for row in rows:
        lines.append("| " + " | ".join(cell(row.get(h, ""), widths[h]) for h in headers) + " |")
    return "\n".join(lines)

import re
from collections import Counter, OrderedDict

LINE = re.compile(r"^(?P<ts>\S+ \S+) \[(?P<level>[A-Z]+)\] (?P<source>[\w.]+): (?P<message>.*)$")


class LogSummary:
    levels = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

    def __init__(self):
        self.by_level = Counter()
        self.by_source = Counter()
        self.errors = []
        self.unparsed = 0

    def feed(self, line):
        match = LINE.match(line)
        if not match:
            self.unparsed += 1
            return
        entry = match.groupdict()
        self.by_level[entry["level"]] += 1
        self.by_source[entry["source"]] += 1
        if entry["level"] in ("ERROR", "CRITICAL"):
            self.errors.append(entry)

    def result(self, limit):
        ordered = OrderedDict((lvl, self.by_level.get(lvl, 0)) for lvl in self.levels)
        return {"levels": ordered, "sources": self.by_source.most_common(limit), "errors": self.errors[:limit], "unparsed": self.unparsed}


def log_parser(data, filter=None):
    summary = LogSummary()
    for line in data.splitlines():
        summary.feed(line)
    return summary.result(int(filter or 10))

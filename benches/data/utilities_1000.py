# A realistic 1,000-line utility module for the validation benchmark: the benign corpus
# (tests/corpus/benign) concatenated, each file once, then again from the start until 1,000 lines.

import base64
import binascii


def base64_codec(data, filter=None):
    mode = (filter or "encode").lower()
    if mode == "encode":
        return base64.b64encode(data.encode("utf-8")).decode("ascii")
    if mode == "urlsafe":
        return base64.urlsafe_b64encode(data.encode("utf-8")).decode("ascii")
    try:
        return base64.b64decode(data, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        return {"error": f"not base64 text: {exc}"}

class Node:
    __slots__ = ("key", "left", "right")

    def __init__(self, key):
        self.key = key
        self.left = None
        self.right = None


class Tree:
    def __init__(self):
        self.root = None

    def insert(self, key):
        self.root = self._insert(self.root, key)

    def _insert(self, node, key):
        if node is None:
            return Node(key)
        if key < node.key:
            node.left = self._insert(node.left, key)
        elif key > node.key:
            node.right = self._insert(node.right, key)
        return node

    def inorder(self):
        out = []
        stack = []
        node = self.root
        while stack or node:
            while node:
                stack.append(node)
                node = node.left
            node = stack.pop()
            out.append(node.key)
            node = node.right
        return out

    def height(self, node="start"):
        if node == "start":
            node = self.root
        if node is None:
            return 0
        return 1 + max(self.height(node.left), self.height(node.right))


def binary_search_tree(data, filter=None):
    tree = Tree()
    for token in data.split(","):
        tree.insert(int(token))
    return {"sorted": tree.inorder(), "height": tree.height()}

import string


def shift_char(char, offset):
    for alphabet in (string.ascii_lowercase, string.ascii_uppercase):
        if char in alphabet:
            return alphabet[(alphabet.index(char) + offset) % 26]
    return char


def caesar_cipher(data, filter=None):
    offset = int(filter) if filter else 13
    table = str.maketrans(
        string.ascii_letters,
        "".join(shift_char(c, offset) for c in string.ascii_letters),
    )
    return data.translate(table)

from itertools import combinations


def combinations_sum(data, filter=None):
    """Subsets of the numbers that add up to the target in filter."""
    numbers = [int(x) for x in data.split(",") if x.strip()]
    target = int(filter) if filter else 10
    found = []
    for size in range(1, len(numbers) + 1):
        for combo in combinations(numbers, size):
            if sum(combo) == target:
                found.append(list(combo))
        if len(found) > 100:
            break
    return found

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

import csv
import io
import statistics


def csv_summary(data, filter=None):
    """Summarises the numeric columns of a CSV text; filter names one column."""
    reader = csv.DictReader(io.StringIO(data))
    columns = {}
    for row in reader:
        for name, raw in row.items():
            try:
                columns.setdefault(name, []).append(float(raw))
            except (TypeError, ValueError):
                continue
    if filter:
        columns = {filter: columns.get(filter, [])}
    summary = {}
    for name, values in columns.items():
        if not values:
            continue
        summary[name] = {
            "count": len(values),
            "mean": statistics.mean(values),
            "median": statistics.median(values),
            "stdev": statistics.stdev(values) if len(values) > 1 else 0.0,
            "min": min(values),
            "max": max(values),
        }
    return summary

import csv
import io
import json


def csv_to_json(data, filter=None):
    delimiter = filter or ","
    rows = list(csv.reader(io.StringIO(data), delimiter=delimiter))
    if not rows:
        return []
    header, body = rows[0], rows[1:]
    records = [dict(zip(header, row)) for row in body if any(cell.strip() for cell in row)]
    return json.loads(json.dumps(records))

from datetime import date, datetime, timedelta


def _parse(text):
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(text.strip(), fmt)
        except ValueError:
            pass
    raise ValueError(f"unrecognised date: {text!r}")


def date_diff(data, filter=None):
    """Days, weeks and business days between two dates separated by a comma."""
    first, second = (_parse(part) for part in data.split(","))
    if second < first:
        first, second = second, first
    delta = second - first
    business = 0
    day = first.date()
    while day < second.date():
        if day.weekday() < 5:
            business += 1
        day += timedelta(days=1)
    return {
        "days": delta.days,
        "weeks": round(delta.days / 7, 2),
        "business_days": business,
        "today": date(2024, 1, 1).isoformat() if filter == "fixed" else None,
    }

import json


def dict_diff(data, filter=None):
    """Compares two JSON objects given as data and filter."""
    left = json.loads(data)
    right = json.loads(filter or "{}")
    added = {k: right[k] for k in right.keys() - left.keys()}
    removed = {k: left[k] for k in left.keys() - right.keys()}
    changed = {k: {"from": left[k], "to": right[k]} for k in left.keys() & right.keys() if left[k] != right[k]}
    return {"added": added, "removed": removed, "changed": changed, "same": not (added or removed or changed)}

class TextOps:
    """Named text operations, looked up with getattr by a constant prefix."""

    def op_upper(self, text):
        return text.upper()

    def op_lower(self, text):
        return text.lower()

    def op_title(self, text):
        return text.title()

    def op_reverse(self, text):
        return text[::-1]


def dispatch_table(data, filter=None):
    ops = TextOps()
    method = getattr(ops, "op_upper")
    name = (filter or "upper").lower()
    table = {"upper": ops.op_upper, "lower": ops.op_lower, "title": ops.op_title, "reverse": ops.op_reverse}
    chosen = table.get(name, method)
    return {"result": chosen(data), "has_title": hasattr(ops, "op_title"), "type": type(ops).__name__}

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

from functools import lru_cache


@lru_cache(maxsize=None)
def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


def fibonacci(data, filter=None):
    n = int(data)
    if n < 0 or n > 500:
        return {"error": "n must be between 0 and 500"}
    sequence = [fib(i) for i in range(n + 1)]
    return {"n": n, "value": str(fib(n)), "evens": sum(1 for v in sequence if v % 2 == 0)}

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

import hashlib
import hmac


def hash_text(data, filter=None):
    """Hex digests of the text; filter picks one algorithm."""
    algorithms = ["md5", "sha1", "sha256", "sha512", "blake2b"]
    if filter:
        algorithms = [a for a in algorithms if a == filter.lower()]
    raw = data.encode("utf-8")
    out = {name: hashlib.new(name, raw).hexdigest() for name in algorithms}
    out["hmac_sha256"] = hmac.new(b"zona", raw, hashlib.sha256).hexdigest()
    return out

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

import json
from dataclasses import dataclass, field, asdict
from typing import List


@dataclass
class Item:
    sku: str
    name: str
    quantity: int = 0
    tags: List[str] = field(default_factory=list)

    def low(self, threshold):
        return self.quantity < threshold


@dataclass
class Inventory:
    items: List[Item] = field(default_factory=list)

    def add(self, item):
        self.items.append(item)

    def low_stock(self, threshold):
        return [asdict(i) for i in self.items if i.low(threshold)]


def inventory_report(data, filter=None):
    inventory = Inventory()
    for raw in json.loads(data):
        inventory.add(Item(**raw))
    threshold = int(filter) if filter else 5
    return {"count": len(inventory.items), "low": inventory.low_stock(threshold)}

import json
from decimal import Decimal


class Line:
    def __init__(self, description, quantity, price):
        self.description = description
        self.quantity = int(quantity)
        self.price = Decimal(str(price))

    @property
    def amount(self):
        return self.price * self.quantity

    def render(self, width):
        return f"{self.description:<{width}} {self.quantity:>4} x {self.price:>8.2f} = {self.amount:>10.2f}"

    def __repr__(self):
        return f"{self.__class__.__name__}({self.description!r})"


def invoice_format(data, filter=None):
    items = [Line(**item) for item in json.loads(data)]
    width = max((len(i.description) for i in items), default=10)
    lines = [item.render(width) for item in items]
    total = sum((item.amount for item in items), Decimal(0))
    currency = filter or "EUR"
    lines.append("-" * len(lines[0]) if lines else "")
    lines.append(f"{'Total':<{width}} {total:>27.2f} {currency}")
    return "\n".join(lines)

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

import csv
import io
import json


def json_to_csv(data, filter=None):
    records = json.loads(data)
    if isinstance(records, dict):
        records = [records]
    fields = sorted({key for record in records for key in record})
    if filter:
        wanted = [f.strip() for f in filter.split(",")]
        fields = [f for f in fields if f in wanted]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fields, extrasaction="ignore")
    writer.writeheader()
    for record in records:
        writer.writerow(record)
    return buffer.getvalue()

def local_names(data, filter=None):
    # Function-local names that happen to be builtin names shadow them: these are not the builtins.
    input = data.strip()
    vars = input.split()
    compile = [v.upper() for v in vars]
    opener = "(" if filter == "paren" else "["
    return {"opener": opener, "words": compile, "count": len(vars)}

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

import json


def transpose(matrix):
    return [list(row) for row in zip(*matrix)]


def multiply(a, b):
    columns = transpose(b)
    return [[sum(x * y for x, y in zip(row, col)) for col in columns] for row in a]


def determinant(m):
    if len(m) == 1:
        return m[0][0]
    if len(m) == 2:
        return m[0][0] * m[1][1] - m[0][1] * m[1][0]
    total = 0
    for c in range(len(m)):
        minor = [row[:c] + row[c + 1:] for row in m[1:]]
        total += (-1) ** c * m[0][c] * determinant(minor)
    return total


def matrix_ops(data, filter=None):
    matrix = json.loads(data)
    op = filter or "transpose"
    if op == "square":
        return multiply(matrix, matrix)
    if op == "det":
        return determinant(matrix)
    return transpose(matrix)

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation


def money_total(data, filter=None):
    """Sums amounts line by line with exact decimal arithmetic."""
    places = Decimal(10) ** -int(filter or 2)
    total = Decimal(0)
    rejected = []
    for number, line in enumerate(data.splitlines(), start=1):
        line = line.strip().replace(",", "")
        if not line:
            continue
        try:
            total += Decimal(line)
        except InvalidOperation:
            rejected.append(number)
    return {
        "total": str(total.quantize(places, rounding=ROUND_HALF_UP)),
        "rejected_lines": rejected,
    }

import math
import string


def password_strength(data, filter=None):
    pools = [
        (string.ascii_lowercase, 26), (string.ascii_uppercase, 26),
        (string.digits, 10), (string.punctuation, len(string.punctuation)),
    ]
    size = sum(n for chars, n in pools if any(c in chars for c in data))
    entropy = len(data) * math.log2(size) if size else 0.0
    minimum = float(filter) if filter else 60.0
    verdict = "strong" if entropy >= minimum else "weak"
    return {"entropy_bits": round(entropy, 1), "verdict": verdict, "length": len(data)}

def _permute(items):
    if len(items) <= 1:
        return [items[:]]
    result = []
    for index, head in enumerate(items):
        for tail in _permute(items[:index] + items[index + 1:]):
            result.append([head] + tail)
    return result


def permutations_list(data, filter=None):
    items = list(data.strip())[:7]
    perms = ["".join(p) for p in _permute(items)]
    unique = sorted(set(perms))
    return unique if filter != "count" else len(unique)

import math


def prime_sieve(data, filter=None):
    limit = min(int(data), 1_000_000)
    sieve = bytearray([1]) * (limit + 1)
    sieve[0:2] = b"\x00\x00"
    for n in range(2, math.isqrt(limit) + 1):
        if sieve[n]:
            sieve[n * n :: n] = bytearray(len(range(n * n, limit + 1, n)))
    primes = [i for i, flag in enumerate(sieve) if flag]
    if filter == "count":
        return len(primes)
    return primes[-20:]

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

NUMERALS = [
    (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
    (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
]


def to_roman(number):
    out = []
    for value, numeral in NUMERALS:
        while number >= value:
            out.append(numeral)
            number -= value
    return "".join(out)


def from_roman(text):
    values = {numeral: value for value, numeral in NUMERALS if len(numeral) == 1}
    total = 0
    previous = 0
    for char in reversed(text.upper()):
        value = values[char]
        total += -value if value < previous else value
        previous = max(previous, value)
    return total


def roman_numerals(data, filter=None):
    text = data.strip()
    if text.isdigit():
        return to_roman(int(text))
    return from_roman(text)

from collections import deque
from itertools import accumulate, islice


def running_average(data, filter=None):
    window = int(filter) if filter else 3
    values = [float(x) for x in data.split(",")]
    buffer = deque(maxlen=window)
    averages = []
    for value in values:
        buffer.append(value)
        averages.append(round(sum(buffer) / len(buffer), 4))
    cumulative = list(accumulate(values))
    return {"moving": averages, "cumulative": list(islice(cumulative, 50))}

import calendar
from datetime import datetime, timedelta, timezone


def schedule_builder(data, filter=None):
    """Meeting slots: data is 'YYYY-MM-DD HH:MM', filter the count."""
    start = datetime.strptime(data.strip(), "%Y-%m-%d %H:%M").replace(tzinfo=timezone.utc)
    slots = []
    current = start
    while len(slots) < int(filter or 5):
        if current.weekday() < 5 and 9 <= current.hour < 17:
            slots.append(current.isoformat())
        current += timedelta(minutes=30)
    return {"slots": slots, "month": calendar.month_name[start.month], "leap": calendar.isleap(start.year)}

import re
import unicodedata

_NON_WORD = re.compile(r"[^\w\s-]")
_SPACES = re.compile(r"[-\s]+")


def slugify(data, filter=None):
    separator = filter or "-"
    text = unicodedata.normalize("NFKD", data).encode("ascii", "ignore").decode("ascii")
    text = _NON_WORD.sub("", text).strip().lower()
    return _SPACES.sub(separator, text)

import math
import statistics


def stats_report(data, filter=None):
    values = [float(v) for v in data.replace(",", " ").split() if v]
    if not values:
        return {"error": "no numbers"}
    mean = statistics.fmean(values)
    report = {
        "n": len(values),
        "mean": mean,
        "median": statistics.median(values),
        "geometric_mean": statistics.geometric_mean(values) if min(values) > 0 else None,
        "pstdev": statistics.pstdev(values),
        "quantiles": statistics.quantiles(values, n=4) if len(values) > 1 else values,
        "log_sum": math.fsum(math.log1p(abs(v)) for v in values),
    }
    if filter == "rounded":
        report = {k: round(v, 3) if isinstance(v, float) else v for k, v in report.items()}
    return report

import json
import string


def template_render(data, filter=None):
    """Fills $placeholders in the text from the JSON object in filter."""
    values = json.loads(filter) if filter else {}
    template = string.Template(data)
    rendered = template.safe_substitute(values)
    missing = [name for name in template.get_identifiers() if name not in values]
    return {"text": rendered, "missing": missing, "preview": "{:.40}".format(rendered)}

from collections import Counter
import string


def text_stats(data, filter=None):
    letters = Counter(c.lower() for c in data if c in string.ascii_letters)
    sentences = [s for s in data.replace("!", ".").replace("?", ".").split(".") if s.strip()]
    words = data.split()
    evaluation = {
        "letters": dict(letters.most_common(int(filter or 5))),
        "sentences": len(sentences),
        "avg_word_length": round(sum(map(len, words)) / len(words), 2) if words else 0,
        "vowels": sum(letters[v] for v in "aeiou"),
    }
    return evaluation

import json


def depth(node):
    if isinstance(node, dict):
        return 1 + max((depth(v) for v in node.values()), default=0)
    if isinstance(node, list):
        return 1 + max((depth(v) for v in node), default=0)
    return 0


def count_leaves(node):
    if isinstance(node, dict):
        return sum(count_leaves(v) for v in node.values())
    if isinstance(node, list):
        return sum(count_leaves(v) for v in node)
    return 1


def tree_depth(data, filter=None):
    tree = json.loads(data)
    return {"depth": depth(tree), "leaves": count_leaves(tree)}

FACTORS = {
    "m": 1.0, "km": 1000.0, "cm": 0.01, "mm": 0.001,
    "mi": 1609.344, "yd": 0.9144, "ft": 0.3048, "in": 0.0254,
}


def unit_convert(data, filter=None):
    """'12.5 km' to the unit in filter (default m); temperatures as '20 C'."""
    amount, unit = data.split()
    amount = float(amount)
    target = filter or "m"
    if unit in ("C", "F"):
        if unit == "C":
            return {"F": amount * 9 / 5 + 32, "K": amount + 273.15}
        return {"C": (amount - 32) * 5 / 9}
    if unit not in FACTORS or target not in FACTORS:
        return {"error": f"unknown unit; known: {', '.join(sorted(FACTORS))}"}
    return {target: amount * FACTORS[unit] / FACTORS[target]}

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

"""Counts words, lines and characters in a text.

Mentions of open(), eval() or `import os` in this docstring are just words.
"""
import re
from collections import Counter

WORD = re.compile(r"[A-Za-z']+")


def word_count(data, filter=None):
    # eval( and exec( in a comment are not calls
    words = WORD.findall(data.lower())
    counts = Counter(words)
    top = int(filter) if filter else 5
    return {
        "words": len(words),
        "lines": data.count("\n") + 1 if data else 0,
        "characters": len(data),
        "top": counts.most_common(top),
    }

import base64
import binascii


def base64_codec(data, filter=None):
    mode = (filter or "encode").lower()
    if mode == "encode":
        return base64.b64encode(data.encode("utf-8")).decode("ascii")
    if mode == "urlsafe":
        return base64.urlsafe_b64encode(data.encode("utf-8")).decode("ascii")
    try:
        return base64.b64decode(data, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        return {"error": f"not base64 text: {exc}"}

class Node:
    __slots__ = ("key", "left", "right")

    def __init__(self, key):
        self.key = key
        self.left = None
        self.right = None


class Tree:
    def __init__(self):
        self.root = None

    def insert(self, key):
        self.root = self._insert(self.root, key)

    def _insert(self, node, key):
        if node is None:
            return Node(key)
        if key < node.key:
            node.left = self._insert(node.left, key)
        elif key > node.key:
            node.right = self._insert(node.right, key)
        return node

    def inorder(self):
        out = []
        stack = []
        node = self.root
        while stack or node:
            while node:
                stack.append(node)
                node = node.left
            node = stack.pop()
            out.append(node.key)
            node = node.right
        return out

    def height(self, node="start"):
        if node == "start":
            node = self.root
        if node is None:
            return 0
        return 1 + max(self.height(node.left), self.height(node.right))


def binary_search_tree(data, filter=None):
    tree = Tree()
    for token in data.split(","):
        tree.insert(int(token))
    return {"sorted": tree.inorder(), "height": tree.height()}

import string


def shift_char(char, offset):
    for alphabet in (string.ascii_lowercase, string.ascii_uppercase):
        if char in alphabet:
            return alphabet[(alphabet.index(char) + offset) % 26]
    return char


def caesar_cipher(data, filter=None):
    offset = int(filter) if filter else 13
    table = str.maketrans(
        string.ascii_letters,
        "".join(shift_char(c, offset) for c in string.ascii_letters),
    )
    return data.translate(table)

from itertools import combinations


def combinations_sum(data, filter=None):
    """Subsets of the numbers that add up to the target in filter."""
    numbers = [int(x) for x in data.split(",") if x.strip()]
    target = int(filter) if filter else 10
    found = []
    for size in range(1, len(numbers) + 1):
        for combo in combinations(numbers, size):
            if sum(combo) == target:
                found.append(list(combo))
        if len(found) > 100:
            break
    return found

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

import csv
import io
import statistics


def csv_summary(data, filter=None):
    """Summarises the numeric columns of a CSV text; filter names one column."""
    reader = csv.DictReader(io.StringIO(data))
    columns = {}
    for row in reader:
        for name, raw in row.items():
            try:
                columns.setdefault(name, []).append(float(raw))
            except (TypeError, ValueError):
                continue
    if filter:
        columns = {filter: columns.get(filter, [])}
    summary = {}
    for name, values in columns.items():
        if not values:
            continue
        summary[name] = {
            "count": len(values),
            "mean": statistics.mean(values),
            "median": statistics.median(values),
            "stdev": statistics.stdev(values) if len(values) > 1 else 0.0,
            "min": min(values),
            "max": max(values),
        }
    return summary

import csv
import io
import json


def csv_to_json(data, filter=None):
    delimiter = filter or ","
    rows = list(csv.reader(io.StringIO(data), delimiter=delimiter))
    if not rows:
        return []
    header, body = rows[0], rows[1:]
    records = [dict(zip(header, row)) for row in body if any(cell.strip() for cell in row)]
    return json.loads(json.dumps(records))
















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

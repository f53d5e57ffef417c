import re
import unicodedata

_NON_WORD = re.compile(r"[^\w\s-]")
_SPACES = re.compile(r"[-\s]+")


def slugify(data, filter=None):
    separator = filter or "-"
    text = unicodedata.normalize("NFKD", data).encode("ascii", "ignore").decode("ascii")
    text = _NON_WORD.sub("", text).strip().lower()
    return _SPACES.sub(separator, text)

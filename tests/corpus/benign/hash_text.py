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

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

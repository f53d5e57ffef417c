# Run once by the snapshot's setup turn, after the preloaded imports: it exercises what
# utilities commonly use, so that lazy imports, caches and CPython's specialised bytecode are
# already in the snapshot and every call starts warm instead of paying for them again. Only
# modules that were preloaded are touched; everything it makes is garbage before the snapshot.
import sys


def _warm():
    m = sys.modules
    if "json" in m:
        import json
        s = json.dumps({"a": [1, 2.5, "x", None, True], "b": {"c": "é"}}, ensure_ascii=False)
        json.loads(s)
        json.dumps([{"k": i, "v": str(i)} for i in range(50)], sort_keys=True, indent=2)
    if "re" in m:
        import re
        re.sub(r"\s+", " ", "a  b\tc")
        re.findall(r"[A-Za-z_]\w*", "x = y + z1")
        re.match(r"(\d{4})-(\d{2})-(\d{2})", "2026-11-25")
    if "datetime" in m:
        import datetime
        d = datetime.datetime(2026, 11, 25, 10, 30)
        (d + datetime.timedelta(days=3)).isoformat()
        datetime.datetime.fromisoformat("2026-11-25T10:30:00").strftime("%Y-%m-%d")
    if "decimal" in m:
        import decimal
        str(decimal.Decimal("1.10") * 3)
    if "statistics" in m:
        import statistics
        statistics.mean([1, 2, 3])
        statistics.median([3, 1, 2])
        statistics.pstdev([1.0, 2.0, 4.0])
    if "csv" in m:
        import csv
        import io
        rows = list(csv.DictReader(io.StringIO("a,b\n1,2\n3,4\n")))
        out = io.StringIO()
        w = csv.DictWriter(out, fieldnames=["a", "b"])
        w.writeheader()
        w.writerows(rows)
    if "hashlib" in m:
        import hashlib
        hashlib.sha256(b"x").hexdigest()
        hashlib.md5(b"x").hexdigest()
    if "base64" in m:
        import base64
        base64.b64decode(base64.b64encode(b"x"))
    if "collections" in m:
        import collections
        collections.Counter("abracadabra").most_common(2)
        collections.defaultdict(list)["k"].append(1)
    if "numpy" in m:
        import numpy as np
        a = np.arange(100, dtype=float)
        float(a.mean()), float(a.std()), float(np.median(a)), float(np.percentile(a, 90))
        np.array([[1.0, 2.0], [3.0, 4.0]]) @ np.eye(2)
        np.sort(a)[::-1].tolist()
        np.unique(np.array([3, 1, 3])).tolist()
        np.round(a / 3, 2).sum()
    if "pandas" in m:
        import pandas as pd
        df = pd.DataFrame([{"g": "a", "v": 1}, {"g": "b", "v": 2}, {"g": "a", "v": 3}])
        df.groupby("g")["v"].agg(["count", "mean", "sum"]).reset_index().to_dict("records")
        df.groupby("g").v.sum().to_dict()
        df.sort_values("v", ascending=False).head(2).to_dict(orient="list")
        df.merge(df, on="g").describe()
        df.assign(w=df.v * 2)[df.v > 1].to_json()
        pd.read_csv(__import__("io").StringIO("a,b\n1,2\n")).to_dict()
        pd.to_datetime(pd.Series(["2026-11-25"])).dt.year.tolist()


try:
    _warm()
except Exception as exc:  # a warm-up that fails only costs speed, never a call
    print(f"zona warm-up: {type(exc).__name__}: {exc}", file=sys.stderr)
del _warm

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

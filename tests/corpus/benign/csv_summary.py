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

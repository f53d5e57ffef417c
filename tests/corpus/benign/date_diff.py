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

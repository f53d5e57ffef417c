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

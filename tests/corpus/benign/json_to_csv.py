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

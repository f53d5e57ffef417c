import csv
import io
import json


def csv_to_json(data, filter=None):
    delimiter = filter or ","
    rows = list(csv.reader(io.StringIO(data), delimiter=delimiter))
    if not rows:
        return []
    header, body = rows[0], rows[1:]
    records = [dict(zip(header, row)) for row in body if any(cell.strip() for cell in row)]
    return json.loads(json.dumps(records))

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation


def money_total(data, filter=None):
    """Sums amounts line by line with exact decimal arithmetic."""
    places = Decimal(10) ** -int(filter or 2)
    total = Decimal(0)
    rejected = []
    for number, line in enumerate(data.splitlines(), start=1):
        line = line.strip().replace(",", "")
        if not line:
            continue
        try:
            total += Decimal(line)
        except InvalidOperation:
            rejected.append(number)
    return {
        "total": str(total.quantize(places, rounding=ROUND_HALF_UP)),
        "rejected_lines": rejected,
    }

import json
from decimal import Decimal


class Line:
    def __init__(self, description, quantity, price):
        self.description = description
        self.quantity = int(quantity)
        self.price = Decimal(str(price))

    @property
    def amount(self):
        return self.price * self.quantity

    def render(self, width):
        return f"{self.description:<{width}} {self.quantity:>4} x {self.price:>8.2f} = {self.amount:>10.2f}"

    def __repr__(self):
        return f"{self.__class__.__name__}({self.description!r})"


def invoice_format(data, filter=None):
    items = [Line(**item) for item in json.loads(data)]
    width = max((len(i.description) for i in items), default=10)
    lines = [item.render(width) for item in items]
    total = sum((item.amount for item in items), Decimal(0))
    currency = filter or "EUR"
    lines.append("-" * len(lines[0]) if lines else "")
    lines.append(f"{'Total':<{width}} {total:>27.2f} {currency}")
    return "\n".join(lines)

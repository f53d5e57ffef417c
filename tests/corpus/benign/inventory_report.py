import json
from dataclasses import dataclass, field, asdict
from typing import List


@dataclass
class Item:
    sku: str
    name: str
    quantity: int = 0
    tags: List[str] = field(default_factory=list)

    def low(self, threshold):
        return self.quantity < threshold


@dataclass
class Inventory:
    items: List[Item] = field(default_factory=list)

    def add(self, item):
        self.items.append(item)

    def low_stock(self, threshold):
        return [asdict(i) for i in self.items if i.low(threshold)]


def inventory_report(data, filter=None):
    inventory = Inventory()
    for raw in json.loads(data):
        inventory.add(Item(**raw))
    threshold = int(filter) if filter else 5
    return {"count": len(inventory.items), "low": inventory.low_stock(threshold)}

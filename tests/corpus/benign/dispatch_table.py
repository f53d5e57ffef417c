class TextOps:
    """Named text operations, looked up with getattr by a constant prefix."""

    def op_upper(self, text):
        return text.upper()

    def op_lower(self, text):
        return text.lower()

    def op_title(self, text):
        return text.title()

    def op_reverse(self, text):
        return text[::-1]


def dispatch_table(data, filter=None):
    ops = TextOps()
    method = getattr(ops, "op_upper")
    name = (filter or "upper").lower()
    table = {"upper": ops.op_upper, "lower": ops.op_lower, "title": ops.op_title, "reverse": ops.op_reverse}
    chosen = table.get(name, method)
    return {"result": chosen(data), "has_title": hasattr(ops, "op_title"), "type": type(ops).__name__}

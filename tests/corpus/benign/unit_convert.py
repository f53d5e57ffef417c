FACTORS = {
    "m": 1.0, "km": 1000.0, "cm": 0.01, "mm": 0.001,
    "mi": 1609.344, "yd": 0.9144, "ft": 0.3048, "in": 0.0254,
}


def unit_convert(data, filter=None):
    """'12.5 km' to the unit in filter (default m); temperatures as '20 C'."""
    amount, unit = data.split()
    amount = float(amount)
    target = filter or "m"
    if unit in ("C", "F"):
        if unit == "C":
            return {"F": amount * 9 / 5 + 32, "K": amount + 273.15}
        return {"C": (amount - 32) * 5 / 9}
    if unit not in FACTORS or target not in FACTORS:
        return {"error": f"unknown unit; known: {', '.join(sorted(FACTORS))}"}
    return {target: amount * FACTORS[unit] / FACTORS[target]}

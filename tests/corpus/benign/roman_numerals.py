NUMERALS = [
    (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
    (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
]


def to_roman(number):
    out = []
    for value, numeral in NUMERALS:
        while number >= value:
            out.append(numeral)
            number -= value
    return "".join(out)


def from_roman(text):
    values = {numeral: value for value, numeral in NUMERALS if len(numeral) == 1}
    total = 0
    previous = 0
    for char in reversed(text.upper()):
        value = values[char]
        total += -value if value < previous else value
        previous = max(previous, value)
    return total


def roman_numerals(data, filter=None):
    text = data.strip()
    if text.isdigit():
        return to_roman(int(text))
    return from_roman(text)

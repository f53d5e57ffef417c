import string


def shift_char(char, offset):
    for alphabet in (string.ascii_lowercase, string.ascii_uppercase):
        if char in alphabet:
            return alphabet[(alphabet.index(char) + offset) % 26]
    return char


def caesar_cipher(data, filter=None):
    offset = int(filter) if filter else 13
    table = str.maketrans(
        string.ascii_letters,
        "".join(shift_char(c, offset) for c in string.ascii_letters),
    )
    return data.translate(table)

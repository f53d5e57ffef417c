import json


def transpose(matrix):
    return [list(row) for row in zip(*matrix)]


def multiply(a, b):
    columns = transpose(b)
    return [[sum(x * y for x, y in zip(row, col)) for col in columns] for row in a]


def determinant(m):
    if len(m) == 1:
        return m[0][0]
    if len(m) == 2:
        return m[0][0] * m[1][1] - m[0][1] * m[1][0]
    total = 0
    for c in range(len(m)):
        minor = [row[:c] + row[c + 1:] for row in m[1:]]
        total += (-1) ** c * m[0][c] * determinant(minor)
    return total


def matrix_ops(data, filter=None):
    matrix = json.loads(data)
    op = filter or "transpose"
    if op == "square":
        return multiply(matrix, matrix)
    if op == "det":
        return determinant(matrix)
    return transpose(matrix)

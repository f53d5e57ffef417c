from functools import lru_cache


@lru_cache(maxsize=None)
def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


def fibonacci(data, filter=None):
    n = int(data)
    if n < 0 or n > 500:
        return {"error": "n must be between 0 and 500"}
    sequence = [fib(i) for i in range(n + 1)]
    return {"n": n, "value": str(fib(n)), "evens": sum(1 for v in sequence if v % 2 == 0)}

import math


def prime_sieve(data, filter=None):
    limit = min(int(data), 1_000_000)
    sieve = bytearray([1]) * (limit + 1)
    sieve[0:2] = b"\x00\x00"
    for n in range(2, math.isqrt(limit) + 1):
        if sieve[n]:
            sieve[n * n :: n] = bytearray(len(range(n * n, limit + 1, n)))
    primes = [i for i, flag in enumerate(sieve) if flag]
    if filter == "count":
        return len(primes)
    return primes[-20:]

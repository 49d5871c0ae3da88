"""Notes in wallets and drawers: tendering, making change, breaking notes.

A purse (wallet or drawer) is a list of 9 note counts for the VND denominations in
:data:`DENOMS` (1k ... 500k; cotton 1k-5k, polymer 10k-500k, market-sim §3.5). Coins are
not used in market change-giving [A]. Functions mutate nothing unless they say so.

>>> wallet = [0, 1, 0, 1, 0, 1, 1, 0, 0]   # 2k, 10k, 50k, 100k
>>> tender(wallet, 35_000, exact=False)     # the smallest single note that covers the price
[0, 0, 0, 0, 0, 1, 0, 0, 0]
>>> exact_notes([3, 0, 1, 0, 0, 0, 0, 0, 0], 7_000)
[2, 0, 1, 0, 0, 0, 0, 0, 0]
>>> value(greedy(68_000))
68000
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

__all__ = ["DENOMS", "exact_notes", "greedy", "max_payable", "tender", "tender_paid", "value"]

DENOMS = (1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000)
_IDX = range(8, -1, -1)
_DOWN = tuple((i, DENOMS[i]) for i in _IDX)  # (index, note), largest first
_UP = _DOWN[::-1]


def value(c: list[int]) -> int:
    """Total VND in a purse."""
    return 1000 * (
        c[0]
        + 2 * c[1]
        + 5 * c[2]
        + 10 * c[3]
        + 20 * c[4]
        + 50 * c[5]
        + 100 * c[6]
        + 200 * c[7]
        + 500 * c[8]
    )


def greedy(amount: int) -> list[int]:
    """Notes for ``amount`` with an unlimited supply (how a neighbour breaks a note)."""
    out = [0] * 9
    for i in _IDX:
        d = DENOMS[i]
        if amount >= d:
            out[i], amount = divmod(amount, d)
    if amount:
        raise ValueError(f"{amount} VND is not a multiple of 1,000")
    return out


def exact_notes(counts: list[int], amount: int, search: bool = True) -> list[int] | None:
    """Notes from ``counts`` summing exactly to ``amount``, or None.

    Greedy from the largest note first; with ``search``, when greedy fails, a depth-first
    search trying the greedy count and up to two fewer of each note finds the cases greedy
    misses (6k from 5k + 2k + 2k + 2k).
    """
    take = [0] * 9
    rem = amount
    if rem <= 0:
        return take if rem == 0 else None
    for i in range(bisect_right(DENOMS, rem) - 1, -1, -1):  # greedy first: almost always works
        n = counts[i]
        if n:
            d = DENOMS[i]
            k = rem // d
            if k:
                if k > n:
                    k = n
                take[i] = k
                rem -= k * d
                if not rem:
                    return take
    if not search:
        return None
    return _search_exact(counts, amount, _suffix_values(counts))


def _suffix_values(counts: list[int]) -> list[int]:
    """``suffix[i]``: the value of the notes below index ``i`` (``suffix[9]`` all of them)."""
    suffix = [0] * 10
    for i in range(9):
        suffix[i + 1] = suffix[i] + counts[i] * DENOMS[i]
    return suffix


def _search_exact(counts: list[int], amount: int, suffix: list[int]) -> list[int] | None:
    if amount > suffix[9]:
        return None
    take = [0] * 9
    return take if _search(counts, suffix, take, 8, amount) else None


def _search(counts: list[int], suffix: list[int], take: list[int], i: int, rem: int) -> bool:
    # A module-level function, not a closure: a recursive closure is a reference cycle
    # that only the garbage collector frees, once per search.
    if rem == 0:
        return True
    if i < 0 or rem > suffix[i + 1]:
        return False
    d = DENOMS[i]
    n = min(counts[i], rem // d)
    for k in range(n, max(n - 3, -1), -1):
        take[i] = k
        if _search(counts, suffix, take, i - 1, rem - k * d):
            return True
    take[i] = 0
    return False


def max_payable(counts: list[int], amount: int, limit: int) -> tuple[int, list[int]] | None:
    """The largest sum <= ``amount`` and >= ``amount - limit`` payable from ``counts``."""
    suffix = None
    for short in range(0, limit + 1, 1_000):
        notes = exact_notes(counts, amount - short, search=False)
        if notes is None and amount - short > 0:
            if suffix is None:
                suffix = _suffix_values(counts)
            notes = _search_exact(counts, amount - short, suffix)
        if notes is not None:
            return short, notes
    return None


def tender(wallet: list[int], price: int, exact: bool) -> list[int] | None:
    """Notes a shopper hands over for ``price``, or None when the wallet is short.

    With ``exact`` the shopper counts out the exact amount, largest notes first, when the
    wallet allows it that way. Otherwise (or failing that) the smallest single note that
    covers the price; else a small combination: the largest notes that fit under the
    price, one more note to cover it, then any note that became unnecessary is taken
    back (an approximation of "the smallest combination >= price", market-sim §5.2).
    """
    return tender_paid(wallet, price, exact)[0]


def tender_paid(wallet: list[int], price: int, exact: bool) -> tuple[list[int] | None, int]:
    """:func:`tender` and the value handed over (0 when the wallet is short)."""
    w = wallet  # value(wallet), inlined: this runs on every cash payment
    if price > 1000 * (
        w[0]
        + 2 * w[1]
        + 5 * w[2]
        + 10 * w[3]
        + 20 * w[4]
        + 50 * w[5]
        + 100 * w[6]
        + 200 * w[7]
        + 500 * w[8]
    ):
        return None, 0
    if exact:
        notes = exact_notes(wallet, price, search=False)
        if notes is not None:
            return notes, price
    for i in range(bisect_left(DENOMS, price), 9):
        if wallet[i]:
            out = [0] * 9
            out[i] = 1
            return out, DENOMS[i]
    out = [0] * 9
    total = 0
    for i, d in _DOWN:
        k = (price - total) // d
        if wallet[i] < k:
            k = wallet[i]
        out[i] = k
        total += k * d
    if total < price:
        for i in range(9):
            if wallet[i] > out[i] and DENOMS[i] >= price - total:
                out[i] += 1
                total += DENOMS[i]
                break
    for i, d in _UP:
        while out[i] and total - d >= price:
            out[i] -= 1
            total -= d
    return out, total

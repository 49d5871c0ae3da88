"""Notes: tendering from a wallet, exact change from a drawer, breaking notes."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cashless.sim.cash import DENOMS, exact_notes, greedy, max_payable, tender, value

purses = st.lists(st.integers(0, 3), min_size=9, max_size=9)
amounts = st.integers(1, 600).map(lambda k: k * 1000)


def _subset_sums(counts: list[int]) -> set[int]:
    sums = {0}
    for n, d in zip(counts, DENOMS, strict=True):
        sums = {s + k * d for s in sums for k in range(n + 1)}
    return sums


@settings(max_examples=100, deadline=None)
@given(purses, amounts)
def test_exact_notes_is_exact_and_complete(counts, amount):
    notes = exact_notes(counts, amount)
    if notes is None:
        assert amount not in _subset_sums(counts)
    else:
        assert value(notes) == amount
        assert all(0 <= k <= n for k, n in zip(notes, counts, strict=True))


def test_exact_notes_finds_what_greedy_misses():
    # 6k from 5k + 2k + 2k + 2k: greedy takes the 5k and is stuck
    assert exact_notes([0, 3, 1, 0, 0, 0, 0, 0, 0], 6000) == [0, 3, 0, 0, 0, 0, 0, 0, 0]
    assert exact_notes([0, 0, 1, 0, 0, 0, 0, 0, 0], 6000) is None


@settings(max_examples=100, deadline=None)
@given(purses, amounts, st.booleans())
def test_tender_covers_the_price_without_a_spare_note(wallet, price, exact):
    notes = tender(wallet, price, exact)
    if value(wallet) < price:
        assert notes is None
        return
    assert notes is not None
    assert all(0 <= k <= n for k, n in zip(notes, wallet, strict=True))
    paid = value(notes)
    assert paid >= price
    # no note can be taken back: every note handed over is needed
    assert all(paid - d < price for k, d in zip(notes, DENOMS, strict=True) if k)
    if exact and exact_notes(wallet, price, search=False) is not None:
        assert paid == price


def test_tender_prefers_one_covering_note():
    wallet = [5, 5, 5, 5, 5, 1, 1, 0, 0]  # plenty of small notes, one 50k, one 100k
    assert tender(wallet, 45_000, exact=False) == [0, 0, 0, 0, 0, 1, 0, 0, 0]
    assert value(tender(wallet, 45_000, exact=True)) == 45_000
    # shoppers count largest notes first: 6k from 5k + 2k x3 is not found by them
    assert tender([0, 3, 1, 0, 0, 0, 0, 0, 0], 6_000, exact=True) == [0, 1, 1, 0, 0, 0, 0, 0, 0]


@given(amounts)
def test_greedy_breaks_any_amount(amount):
    assert value(greedy(amount)) == amount


def test_max_payable_rounds_within_the_limit():
    drawer = [0, 0, 1, 1, 0, 0, 0, 0, 0]  # 5k and 10k only
    assert max_payable(drawer, 17_000, 2_000) == (2_000, [0, 0, 1, 1, 0, 0, 0, 0, 0])
    assert max_payable(drawer, 19_000, 2_000) is None

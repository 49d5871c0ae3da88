"""Stalls: the registry of a market's stalls, their QR codes, printed cards and photo checks.

Each module needs an extra beyond the standard library and says which when it is missing:
:mod:`~cashless.stalls.registry` and :mod:`~cashless.stalls.layout` (none),
:mod:`~cashless.stalls.qr` (``qr``), :mod:`~cashless.stalls.fonts`,
:mod:`~cashless.stalls.sheet` and :mod:`~cashless.stalls.card` (``print``),
:mod:`~cashless.stalls.verify` (``verify``).

>>> from cashless.stalls.registry import Stall
>>> from cashless.banks import lookup_bank
>>> Stall("A01", "Rau", "Nguyễn Văn A", lookup_bank("VCB"), "0011001234567").payload[-4:]
'2E94'
"""

__all__: list[str] = []

"""cashless: VietQR payments for Vietnamese traditional markets.

The facade holds the few names most people need; everything else lives in its room
(``cashless.payload``, ``cashless.banks``, ``cashless.stalls``, ``cashless.sim``,
``cashless.policy``; see ``docs/architecture.md``). Importing it loads only the standard
library.

>>> import cashless
>>> payload = cashless.build("VCB", "0011001234567", amount=50_000, purpose="Rau cải")
>>> cashless.parse(payload).amount
50000
>>> cashless.parse(payload).purpose
'Rau cai'
"""

from __future__ import annotations

from cashless.banks import Bank, lookup_bank
from cashless.errors import CashlessError
from cashless.payload.vietqr import VietQR, is_valid, lint, parse


def __getattr__(name: str) -> str:
    # The version is read from the package metadata on first use: importlib.metadata
    # costs more than the rest of the facade, and most programs never ask.
    if name != "__version__":
        raise AttributeError(f"module 'cashless' has no attribute {name!r}")
    from importlib import metadata

    try:
        version = metadata.version("cashless")
    except metadata.PackageNotFoundError:  # a source tree that was never installed
        version = "0+unknown"
    globals()["__version__"] = version
    return version


__all__ = [
    "Bank",
    "CashlessError",
    "VietQR",
    "__version__",
    "build",
    "is_valid",
    "lint",
    "lookup_bank",
    "parse",
]


def build(bank: str | int, account: str, *, accents_in_64: bool = False, **fields: object) -> str:
    """Build a VietQR payload, naming the bank by BIN, code or short name.

    The other keyword arguments are the fields of :class:`~cashless.payload.vietqr.VietQR`.

    >>> build("ACB", "257678859")
    '00020101021138530010A0000007270123000697041601092576788590208QRIBFTTA53037045802VN6304AE9F'
    >>> build(970416, "257678859", amount=10000, purpose="Chuyen tien")[-33:]
    '5802VN62150811Chuyen tien630453E6'
    """
    code = VietQR(bin=lookup_bank(bank).bin, account=account, **fields)  # type: ignore[arg-type]
    if accents_in_64:
        code = code.with_language_template()
    return code.build()

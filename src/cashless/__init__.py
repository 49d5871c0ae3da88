"""cashless: VietQR payments for Vietnamese traditional markets.

The facade holds the few names most people need; everything else is reached
through its module (``cashless.emv``, ``cashless.banks``, ``cashless.qr``,
``cashless.sheets``, ``cashless.sim``, ...). Importing it loads only the
standard library.

>>> import cashless
>>> payload = cashless.build("VCB", "0011001234567", amount=50_000, purpose="Rau cải")
>>> cashless.parse(payload).amount
50000
>>> cashless.parse(payload).purpose
'Rau cai'
"""

from cashless.banks import Bank, lookup_bank
from cashless.errors import CashlessError
from cashless.vietqr import VietQR, build, is_valid, lint, parse

__version__ = "0.1.0"

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

"""Banks: the directory of Vietnamese banks and their NAPAS BINs (standard library only).

>>> from cashless.banks import lookup_bank
>>> lookup_bank("vietinbank").bin
'970415'

The bundled list, its sources and how to rebuild it are in this folder's ``README.md``.
"""

from cashless.banks.directory import (
    Bank,
    BankDirectory,
    bank_label,
    load_directory,
    lookup_bank,
    search_banks,
)

__all__ = [
    "Bank",
    "BankDirectory",
    "bank_label",
    "load_directory",
    "lookup_bank",
    "search_banks",
]

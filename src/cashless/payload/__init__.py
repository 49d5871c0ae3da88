"""Payloads: EMVCo merchant-presented QR and the NAPAS VietQR profile (standard library only).

The room's modules, from the bottom up:

- :mod:`cashless.payload.spec`: one table of every EMV and NAPAS data object.
- :mod:`cashless.payload.text`: NFC normalisation and folding to printable ASCII.
- :mod:`cashless.payload.emv`: the TLV tree, CRC and decoding of any EMV merchant QR.
- :mod:`cashless.payload.lint`: findings under the ``napas`` and ``strict`` profiles.
- :mod:`cashless.payload.vietqr`: the :class:`~cashless.payload.vietqr.VietQR` record,
  ``parse``, ``is_valid`` and building.

>>> from cashless.payload.vietqr import parse
>>> parse("00020101021138570010A00000072701270006970403011300110123456780208QRIBFTTA53037045802VN63049E6F").bin
'970403'
"""

__all__: list[str] = []  # the room exports through its modules

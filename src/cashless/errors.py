"""Exceptions raised by cashless.

Every error is a :class:`CashlessError`, itself a :class:`ValueError`, so a caller can
catch one type. Each carries a stable ``code`` (for programs), the EMV ``path`` of the
field it concerns (``"38.01.00"``), the character ``position`` in the payload or the
line number in a file, and a message a person understands.

>>> try:
...     raise LengthError("purpose: 31 characters, the limit is 25", path="62.08")
... except CashlessError as exc:
...     print(exc.code, exc.path, exc)
length 62.08 62.08 purpose: 31 characters, the limit is 25
"""

from __future__ import annotations

__all__ = [
    "CashlessError",
    "CharsetError",
    "ChecksumError",
    "FormatError",
    "LengthError",
    "NotVietQRError",
    "RegistryError",
    "ScenarioError",
    "UnknownBankError",
]


class CashlessError(ValueError):
    """Base of every error raised by cashless.

    ``str(exc)`` is ``"<path> <reason>"`` (or just the reason when there is no path),
    with ``" (at position N)"`` appended when the position is known.
    """

    code = "invalid"

    def __init__(
        self,
        reason: str,
        *,
        path: str | None = None,
        position: int | None = None,
        code: str | None = None,
    ) -> None:
        self.reason = reason
        self.path = path
        self.position = position
        if code is not None:
            self.code = code
        super().__init__(self._render())

    def _render(self) -> str:
        text = f"{self.path} {self.reason}" if self.path else self.reason
        if self.position is not None:
            text += f" (at position {self.position})"
        return text


class FormatError(CashlessError):
    """The text is not laid out as the standard requires (TLV structure, digits, IDs)."""

    code = "format"


class LengthError(CashlessError):
    """A value is longer (or shorter) than its field allows."""

    code = "length"


class CharsetError(CashlessError):
    """A value holds characters its field does not allow (e.g. accents in an ``ans`` field)."""

    code = "charset"


class ChecksumError(CashlessError):
    """The CRC (ID 63) does not match the payload."""

    code = "checksum"


class UnknownBankError(CashlessError):
    """No bank in the directory matches the BIN, code or name given."""

    code = "unknown-bank"


class NotVietQRError(CashlessError):
    """A well-formed EMV payload that belongs to another scheme (VNPAY-QR, a foreign QR, ...)."""

    code = "not-vietqr"

    def __init__(self, reason: str, *, scheme: str = "other", **kwargs: object) -> None:
        self.scheme = scheme
        super().__init__(reason, **kwargs)  # type: ignore[arg-type]


class RegistryError(CashlessError):
    """A stall registry (CSV) has bad rows; ``problems`` lists every one of them."""

    code = "registry"

    def __init__(self, reason: str, *, problems: list | None = None, **kwargs: object) -> None:
        self.problems = list(problems or [])
        super().__init__(reason, **kwargs)  # type: ignore[arg-type]


class ScenarioError(CashlessError):
    """A simulation scenario has an unknown key or a value out of range."""

    code = "scenario"

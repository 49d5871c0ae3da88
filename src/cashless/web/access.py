"""Who may use the page: the access code, the lock-out after wrong codes, CSRF tokens.

Bound to the loopback address the page is the office PC's own and asks for nothing. Bound
to any other address (the market Wi-Fi) every request needs a device that entered the
access code once: the code is made at start, printed in the terminal (as text and as a QR
code to scan), and a device that enters it gets a signed session cookie (HttpOnly,
SameSite=Lax). Every form carries the session's CSRF token. Wrong codes are counted per
client address: after :data:`MAX_FAILURES` in :data:`WINDOW_S` the address is locked out
for :data:`LOCK_S`.

>>> code = new_access_code()
>>> len(code), code.isdigit()
(8, True)
>>> same_code(code, code[:4] + " " + code[4:]), same_code(code, "12")
(True, False)
>>> lock = Lockout(max_failures=2, window_s=60, lock_s=60)
>>> lock.fail("10.0.0.7", now=0.0), lock.fail("10.0.0.7", now=1.0)
(1, 0)
>>> lock.locked_for("10.0.0.7", now=2.0) > 0, lock.locked_for("10.0.0.8", now=2.0)
(True, 0.0)
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
import threading
import time
from collections.abc import MutableMapping
from typing import Any

__all__ = [
    "LOCK_S",
    "MAX_FAILURES",
    "WINDOW_S",
    "Lockout",
    "csrf_token",
    "is_loopback",
    "new_access_code",
    "same_code",
    "valid_csrf",
]

MAX_FAILURES = 5
WINDOW_S = 15 * 60.0
LOCK_S = 15 * 60.0
_CODE_DIGITS = 8  # 10^8 codes, 5 tries per quarter hour per address


def is_loopback(host: str) -> bool:
    """Whether ``host`` is this machine only (``127.0.0.1``, ``::1``, ``localhost``).

    >>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("0.0.0.0")
    (True, True, False)
    """
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def new_access_code() -> str:
    """A fresh random code of 8 digits (easy to type on a phone's number pad)."""
    return "".join(secrets.choice("0123456789") for _ in range(_CODE_DIGITS))


def same_code(expected: str, given: str) -> bool:
    """``given`` is ``expected``, ignoring spaces and dashes; compared in constant time."""
    typed = "".join(ch for ch in given if ch.isalnum())
    return hmac.compare_digest(typed.encode(), expected.encode())


def csrf_token(session: MutableMapping[str, Any]) -> str:
    """The session's CSRF token, made on first use."""
    token = session.get("csrf")
    if not isinstance(token, str) or len(token) < 20:
        token = secrets.token_urlsafe(24)
        session["csrf"] = token
    return token


def valid_csrf(session: MutableMapping[str, Any], given: object) -> bool:
    """Whether ``given`` is this session's CSRF token (constant-time)."""
    token = session.get("csrf")
    if not isinstance(token, str) or not isinstance(given, str) or not given:
        return False
    return hmac.compare_digest(token.encode(), given.encode())


class Lockout:
    """Wrong access codes per client address; too many in a window lock the address out."""

    def __init__(
        self, max_failures: int = MAX_FAILURES, window_s: float = WINDOW_S, lock_s: float = LOCK_S
    ) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self.lock_s = lock_s
        self._failures: dict[str, list[float]] = {}
        self._locked_until: dict[str, float] = {}
        self._lock = threading.Lock()

    def locked_for(self, client: str, now: float | None = None) -> float:
        """Seconds until ``client`` may try again (0 when it may now)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            return max(0.0, self._locked_until.get(client, 0.0) - now)

    def fail(self, client: str, now: float | None = None) -> int:
        """Count a wrong code; returns how many tries are left before the lock-out."""
        now = time.monotonic() if now is None else now
        with self._lock:
            recent = [t for t in self._failures.get(client, []) if now - t < self.window_s]
            recent.append(now)
            if len(recent) >= self.max_failures:
                self._locked_until[client] = now + self.lock_s
                recent = []
            self._failures[client] = recent
            if len(self._failures) > 10_000:  # many addresses: forget the oldest
                self._failures.pop(next(iter(self._failures)))
            return 0 if not recent else self.max_failures - len(recent)

    def succeed(self, client: str) -> None:
        """Forget the wrong codes of ``client``."""
        with self._lock:
            self._failures.pop(client, None)

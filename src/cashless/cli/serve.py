"""``cashless serve``: the market office's web page.

Usage::

    cashless serve [--db market.db] [--host 127.0.0.1] [--port 8000] [--no-browser] [--lang vi|en]

On 127.0.0.1 (the default) the page is this PC's own: it opens in the browser and asks
for nothing. On another address (``--host 0.0.0.0``, for staff phones on the market
Wi-Fi) it makes an access code, prints it as text and as a QR code to scan, and every
device must enter it once.
"""

from __future__ import annotations

import argparse
import socket
import sys
import threading

from cashless.errors import UsageError

__all__ = ["register"]


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``serve`` command."""
    serve = commands.add_parser(
        "serve",
        help="serve the market office's web page (registry, printing, checks, audit)",
        description="Serve the web page for a market database: upload the registry, print "
        "cards, check stall photos from a phone, read the audit. On 127.0.0.1 it opens the "
        "browser; on any other address it prints an access code each device enters once.",
        epilog="example: cashless serve --db out/market.db; for phones on the market Wi-Fi: "
        "cashless serve --db market.db --host 0.0.0.0",
    )
    serve.add_argument(
        "--db",
        default="market.db",
        help="market database (default market.db; created by the first registry uploaded)",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.add_argument("--no-browser", action="store_true", help="do not open the browser")
    serve.add_argument(
        "--lang", choices=("vi", "en"), help="the page's first language (default: vi)"
    )
    serve.set_defaults(handler=_serve)


def _lan_address() -> str:
    """This PC's address on the local network, as phones reach it (no packet is sent)."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("10.255.255.255", 1))
        return str(probe.getsockname()[0])
    except OSError:
        return "127.0.0.1"
    finally:
        probe.close()


def _check_port(host: str, port: int) -> None:
    if not 0 < port < 65536:
        raise UsageError(f"must be from 1 to 65535, not {port}", source="--port")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError as exc:
            if isinstance(exc, socket.gaierror):
                raise UsageError(f"no such address {host!r}", source="--host") from None
            raise UsageError(
                f"cannot listen on {host}:{port} ({exc.strerror or exc}); choose another --port",
                source="--port",
            ) from None
        except (UnicodeError, TypeError, ValueError, OverflowError):
            raise UsageError(f"not an address: {host!r}", source="--host") from None


def _check_db(db: str) -> None:
    """A database that is there must be a market's; a path must be a file's."""
    import os
    from pathlib import Path

    from cashless.stalls.market import open_market

    if "://" in db:
        return
    try:
        os.fsencode(db)
        path = Path(db)
        if not db.strip() or path.is_dir():
            raise UsageError(f"{db!r} is not a database file", source="--db")
        if path.exists():
            open_market(db).close()
    except (UnicodeError, ValueError) as exc:
        if isinstance(exc, UsageError):
            raise
        raise UsageError(f"not a file name: {db!r}", source="--db") from None


def _serve(args: argparse.Namespace) -> int:
    from cashless.errors import require_extra

    require_extra("web", "uvicorn", "starlette")
    import uvicorn

    from cashless.stalls.messages import language
    from cashless.web import create_app
    from cashless.web.access import is_loopback, new_access_code

    lang = language(args.lang) if args.lang else "vi"
    _check_db(args.db)
    _check_port(args.host, args.port)
    local = is_loopback(args.host)
    code = None if local else new_access_code()
    app = create_app(args.db, access_code=code, lang=lang)
    shown = (
        args.host if local else (_lan_address() if args.host in ("0.0.0.0", "::") else args.host)
    )
    url = f"http://{'[' + shown + ']' if ':' in shown else shown}:{args.port}/"
    print(f"cashless: the market page for {args.db} is at {url} (Ctrl+C stops it)")
    if code is not None:
        _print_access(url, code)
    elif not args.no_browser:
        import webbrowser

        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


def _print_access(url: str, code: str) -> None:
    print(f"Mã truy cập / access code: {code[:4]} {code[4:]}")
    print("Quét mã QR này bằng điện thoại, rồi nhập mã / scan this QR code, then enter the code:")
    try:
        import segno

        segno.make(f"{url}access?code={code}", error="m").terminal(out=sys.stdout, compact=True)
    except ImportError:
        print(f"  {url}access?code={code}")
    sys.stdout.flush()

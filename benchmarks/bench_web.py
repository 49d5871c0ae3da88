"""The web page under load: 20 phones uploading 1600 px photos at once over loopback.

`cashless serve` runs as its own process (as in the market office); 20 client threads,
each its own device with its own session (httpx), load the check form and post one photo
at a time with the form's CSRF token and one-time number, for a bounded time. Photos are
the composed, rotated, blurred JPEG cards of ``bench_verify.py`` (payment QR and card
code), 1600 px wide. Reported: photos per second, p50/p95 latency per upload, and from the
market database afterwards, that every upload produced exactly one audit row (none lost,
none doubled). Baseline in the same run: the library's ``check_photos`` on the same photos
in one thread, no HTTP, no logging.

    .venv/bin/python benchmarks/bench_web.py [--phones 20] [--seconds 20]
"""

from __future__ import annotations

import argparse
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_verify import make_photos

_FIELD = re.compile(r'name="(csrf|nonce)" value="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def baseline(photos: list[Path], db: Path) -> float:
    """Photos per second of the library alone (one thread, no HTTP, no log)."""
    from cashless.stalls.market import open_market
    from cashless.stalls.verify import check_photos

    with open_market(str(db)) as market:
        keyring = market.keyring()
        registry = market.registry()
        check_photos(photos[:2], registry, keyring=keyring, lang="en")  # warm up
        start = time.perf_counter()
        batch = check_photos(photos, registry, keyring=keyring, lang="en")
        elapsed = time.perf_counter() - start
    assert all(r.verdict == "ok" for r in batch.records), "baseline photos must all be ok"
    return len(photos) / elapsed


class Phone(threading.Thread):
    """One device: loads the form, posts a photo, reads the verdict, again until the end."""

    def __init__(self, number: int, base: str, photos: list[bytes], until: float) -> None:
        super().__init__(daemon=True)
        self.number = number
        self.base = base
        self.photos = photos
        self.until = until
        self.sent: list[str] = []  # upload names answered 200 with a verdict
        self.latencies: list[float] = []
        self.errors: list[str] = []

    def run(self) -> None:
        import httpx

        with httpx.Client(base_url=self.base, timeout=120) as client:
            fields = dict(_FIELD.findall(client.get("/check").text))
            n = 0
            while time.monotonic() < self.until:
                name = f"phone{self.number:02d}-{n:05d}.jpg"
                photo = self.photos[(self.number + n) % len(self.photos)]
                data = {**fields, "who": f"phone {self.number}"}
                start = time.perf_counter()
                try:
                    response = client.post(
                        "/check", data=data, files={"photos": (name, photo, "image/jpeg")}
                    )
                except httpx.HTTPError as exc:
                    self.errors.append(f"{name}: {exc!r}")
                    n += 1
                    continue
                self.latencies.append(time.perf_counter() - start)
                if response.status_code == 200 and 'class="verdict ok"' in response.text:
                    self.sent.append(name)
                else:
                    self.errors.append(f"{name}: HTTP {response.status_code}")
                fields = dict(_FIELD.findall(response.text)) or fields
                n += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phones", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--photos", type=int, default=20, help="distinct photos (stalls)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "photos"
        folder.mkdir()
        db = Path(tmp) / "market.db"
        make_photos(folder, db, args.photos)
        photos = sorted(folder.iterdir())
        library = baseline(photos, db)
        port = _free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "cashless",
                "serve",
                "--db",
                str(db),
                "--port",
                str(port),
                "--no-browser",
            ],
            stdout=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_for(base)
            data = [p.read_bytes() for p in photos]
            until = time.monotonic() + args.seconds
            phones = [Phone(i, base, data, until) for i in range(args.phones)]
            start = time.perf_counter()
            for phone in phones:
                phone.start()
            for phone in phones:
                phone.join()
            elapsed = time.perf_counter() - start
        finally:
            server.terminate()
            server.wait(30)
        _report(phones, db, elapsed, library, args)


def _wait_for(base: str) -> None:
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/check", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("cashless serve did not start")


def _report(phones: list[Phone], db: Path, elapsed: float, library: float, args) -> None:
    from cashless.stalls.market import open_market

    with open_market(str(db)) as market:
        rows = market.checks()
    # a kept photo is <upload name stem>_<6 hex>.jpg
    logged = Counter(re.sub(r"_[0-9a-f]{6}$", "", Path(r.photo).stem) + ".jpg" for r in rows)
    sent = Counter(name for phone in phones for name in phone.sent)
    lost = [name for name in sent if logged[name] == 0]
    doubled = [name for name, count in logged.items() if count > 1]
    unasked = [name for name in logged if name not in sent]
    latencies = sorted(t for phone in phones for t in phone.latencies)
    errors = [e for phone in phones for e in phone.errors]
    uploads = sum(sent.values())
    rate = uploads / elapsed
    p50 = statistics.median(latencies) if latencies else float("nan")
    p95 = latencies[int(0.95 * (len(latencies) - 1))] if latencies else float("nan")
    print(f"web check under load: {args.phones} phones, {elapsed:.1f} s, 1600 px JPEG photos")
    print(f"  uploads answered ok      {uploads}")
    print(
        f"  photos per second        {rate:.1f}  (library alone, one thread: {library:.1f}/s;"
        f" ratio {rate / library:.2f}x)"
    )
    print(f"  latency p50 / p95        {p50 * 1000:.0f} ms / {p95 * 1000:.0f} ms")
    print(f"  audit rows               {len(rows)}")
    print(f"  lost (no row)            {len(lost)}")
    print(f"  doubled (2+ rows)        {len(doubled)}")
    print(f"  rows for failed uploads  {len(unasked)}")
    print(f"  errors                   {len(errors)}{': ' + errors[0] if errors else ''}")
    if lost or doubled or errors or len(rows) != uploads:
        raise SystemExit("FAILED: every upload must produce exactly one audit row")


if __name__ == "__main__":
    main()

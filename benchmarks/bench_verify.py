"""`cashless verify --db` on 100 photos of 1600 px, as a whole process, against a bare
Pillow + zxing-cpp script reading the same photos.

Each photo is a composed card (payment QR and card-code Micro QR), rotated, blurred and
saved as JPEG 80 %, 1600 px wide. The command includes everything an organiser runs:
startup, the registry from the database, card-code checks and one logged transaction per
photo. Wall time, user+system CPU and minor page faults of each child process; best of
``--repeat`` runs.

    .venv/bin/python benchmarks/bench_verify.py [--photos 100] [--repeat 3]
"""

from __future__ import annotations

import argparse
import io
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BARE = """
import sys
from pathlib import Path
from PIL import Image
import zxingcpp
for path in sorted(Path(sys.argv[1]).iterdir()):
    with Image.open(path) as image:
        zxingcpp.read_barcodes(image.convert("L"), formats=zxingcpp.BarcodeFormat.QRCode)
"""


def make_photos(folder: Path, db: Path, count: int) -> None:
    import segno
    from PIL import Image, ImageFilter

    from cashless.stalls.market import init_market
    from cashless.stalls.qr import make_qr, to_image

    rows = ["stall_id,stall_name,vendor_name,bank,account"]
    rows += [f"A{i:02d},Quầy {i},Nguyễn Văn {i},VCB,00110012345{i:02d}" for i in range(count)]
    registry = folder.parent / "stalls.csv"
    registry.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with init_market(db, registry, market_id="BEN") as market:
        codes = market.card_codes()
        stalls = list(market.registry())
    for index, stall in enumerate(stalls):
        card = Image.new("RGB", (1050, 700), "white")
        card.paste(to_image(make_qr(stall.payload), scale=12).convert("RGB"), (40, 40))
        buffer = io.BytesIO()
        segno.make(codes[stall.stall_id], micro=True, error="m").save(
            buffer, kind="png", scale=9, border=2
        )
        buffer.seek(0)
        micro = Image.open(buffer).convert("RGB")
        card.paste(micro, (1050 - micro.width - 30, 700 - micro.height - 30))
        photo = card.rotate(5 + index % 7, expand=True, fillcolor=(150, 140, 120))
        photo = photo.filter(ImageFilter.GaussianBlur(1.0))
        photo = photo.resize((1600, round(photo.height * 1600 / photo.width)))
        photo.save(folder / f"IMG_{index:04d}.jpg", quality=80)


def run(command: list[str]) -> tuple[float, float, int]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, check=False, capture_output=True, text=True)
    if "cashless" in command and (done.returncode != 0 or "ok" not in done.stdout):
        raise SystemExit(f"verify did not pass every photo:\n{done.stdout[-2000:]}")
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, after.ru_minflt - before.ru_minflt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "photos"
        folder.mkdir()
        db = Path(tmp) / "market.db"
        make_photos(folder, db, args.photos)
        cashless = [
            sys.executable,
            "-m",
            "cashless",
            "verify",
            "--db",
            str(db),
            str(folder),
            "--lang",
            "en",
        ]
        bare = [sys.executable, "-c", BARE, str(folder)]
        results = {}
        for name, command in (("bare", bare), ("cashless", cashless)):
            results[name] = min((run(command) for _ in range(args.repeat)), key=lambda r: r[0])
        for name, (wall, cpu, faults) in results.items():
            print(f"{name:9s} wall {wall:6.2f} s  cpu {cpu:6.2f} s  minor faults {faults:8d}")
        ratio = results["cashless"][0] / results["bare"][0]
        print(f"ratio (wall, whole process): {ratio:.2f}x")


if __name__ == "__main__":
    main()

"""`import cashless` loads only the standard library."""

from __future__ import annotations

import subprocess
import sys

HEAVY = (
    "segno",
    "simpy",
    "numpy",
    "PIL",
    "pandas",
    "matplotlib",
    "fpdf",
    "zxingcpp",
    "qrcode",
    "dask",
)


def test_import_cashless_loads_no_heavy_dependency() -> None:
    code = (
        "import sys, cashless, cashless.payload.emv, cashless.payload.vietqr, cashless.banks, cashless.payload.lint;"
        "cashless.parse(cashless.build('VCB', '123456'));"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_cli_help_loads_no_heavy_dependency() -> None:
    code = (
        "import sys; from cashless.cli import build_parser; build_parser();"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"

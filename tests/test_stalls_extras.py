"""Without their extras, the stalls modules fail at import with one ImportError naming it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
# import a module with no third-party package reachable, as in a bare install
PROBE = """
import sys
sys.path = [p for p in sys.path if "-packages" not in p] + [{src!r}]
try:
    import {module}
except ImportError as exc:
    print("ImportError:", exc)
else:
    print("imported")
"""


@pytest.mark.parametrize(
    ("module", "expected"),
    [
        ("cashless.stalls.registry", "imported"),
        ("cashless.stalls.layout", "imported"),
        ("cashless.banks", "imported"),
        ("cashless.stalls.qr", "pip install 'cashless[qr]'"),
        ("cashless.stalls.fonts", "pip install 'cashless[print]'"),
        ("cashless.stalls.sheet", "pip install 'cashless[print]'"),
        ("cashless.stalls.card", "pip install 'cashless[print]'"),
        ("cashless.stalls.verify", "pip install 'cashless[verify]'"),
    ],
)
def test_each_module_names_its_extra(module: str, expected: str) -> None:
    code = PROBE.format(src=str(SRC), module=module)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().endswith(expected)
    assert out.stdout.count("ImportError") == (expected != "imported")

"""A bare ``pip install cashless`` brings nothing but the standard library (Python 3.11+).

The package is installed from a copy of the source into a fresh virtual environment; pip
reaches the package registry only for the build backend. There, the payload codec works and
every room that needs an extra says which one when imported.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(sys.version_info < (3, 11), reason="3.10 needs tomli")

PROBE = r"""
import importlib, json
from importlib import metadata
import cashless
payload = cashless.build("VCB", "0011001234567", amount=50_000, purpose="Rau cải")
out = {
    "distributions": sorted(d.metadata["Name"].lower() for d in metadata.distributions()),
    "bin": cashless.parse(payload).bin,
    "amount": cashless.parse(payload).amount,
    "extras": {},
}
for module in ("cashless.stalls.qr", "cashless.stalls.sheet", "cashless.stalls.card",
               "cashless.stalls.verify", "cashless.sim", "cashless.policy.plots"):
    try:
        importlib.import_module(module)
        out["extras"][module] = "imported"
    except ImportError as exc:
        out["extras"][module] = str(exc)
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def bare_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("bare")
    source = work / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(
        ROOT / "src", source / "src", ignore=shutil.ignore_patterns("*.egg-info", "__pycache__")
    )
    venv.create(work / "venv", with_pip=True)
    python = work / "venv" / "bin" / "python"
    subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(source)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    return python


def test_bare_install_has_no_third_party_package(bare_python: Path) -> None:
    done = subprocess.run(
        [bare_python, "-c", PROBE],
        capture_output=True,
        text=True,
        check=True,
        cwd=bare_python.parent,
    )
    result = json.loads(done.stdout)
    assert set(result["distributions"]) - {"pip", "setuptools"} == {"cashless"}
    assert (result["bin"], result["amount"]) == ("970436", 50_000)
    expected = {
        "cashless.stalls.qr": "qr",
        "cashless.stalls.sheet": "print",
        "cashless.stalls.card": "print",
        "cashless.stalls.verify": "verify",
        "cashless.sim": "sim",
        "cashless.policy.plots": "plots",
    }
    for module, extra in expected.items():
        assert f"pip install 'cashless[{extra}]'" in result["extras"][module], module

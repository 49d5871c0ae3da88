"""Extras: a missing library names its extra; the simulator loads nothing of the printing side."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import pytest

import cashless.policy
import cashless.sim


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)


def test_importing_the_simulator_loads_no_printing_library():
    out = _python(
        "import sys, cashless.sim, cashless.policy.sweeps, cashless.policy.tables; "
        "print(sorted(m for m in ('segno', 'fpdf', 'PIL', 'matplotlib', 'dask', 'tqdm') "
        "if m in sys.modules))"
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("hidden", "module", "extra"),
    [
        ("simpy", "cashless.sim", "sim"),
        ("pandas", "cashless.sim.results", "sim"),
        ("numpy", "cashless.policy.sweeps", "sim"),
        ("matplotlib", "cashless.policy.plots", "plots"),
        ("matplotlib", "cashless.policy.plotstyle", "plots"),
    ],
)
def test_a_missing_library_names_its_extra(hidden, module, extra):
    # sys.modules[name] = None makes the library look uninstalled to find_spec and import.
    out = _python(f"import sys; sys.modules[{hidden!r}] = None; import {module}")
    assert out.returncode == 1
    assert f"pip install 'cashless[{extra}]'" in out.stderr
    assert out.stderr.strip().splitlines()[-1].startswith("ImportError: ")


def test_a_scheduler_without_dask_names_the_dask_extra():
    out = _python(
        "import sys; sys.modules['distributed'] = None\n"
        "from cashless.policy.sweeps import sweep\n"
        "sweep('dien-bien', replications=1, client='tcp://127.0.0.1:1')"
    )
    assert out.returncode == 1
    assert "pip install 'cashless[dask]'" in out.stderr


@pytest.mark.parametrize("package", [cashless.sim, cashless.policy])
def test_no_facade_name_is_a_module_name(package):
    modules = {info.name for info in pkgutil.iter_modules(package.__path__)}
    assert modules  # the check looks at something
    assert not modules & set(package.__all__)
    assert all(hasattr(package, name) for name in package.__all__)

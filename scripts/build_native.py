"""Build the optional compiled payload readers with mypyc (``make native``).

The fast path (``payload/_canonical.py``) and the flat reader (``payload/_flat.py``) are
plain Python and stay the reference: ``pip install`` gives them as they are. This script
compiles the same two sources with mypyc for the interpreter that runs it, under other
names (``_canonical_native``, ``_flat_native``), and puts the extension modules beside
them in ``src/cashless/payload/``. :mod:`cashless.payload._native` uses them only when
they were built from the very sources now on disk (a digest is compiled in), so an edited
reader is never shadowed by a stale build. ``make clean`` removes them.

Needs mypy (the ``test`` extra) and a C compiler. Run from the repository root::

    .venv/bin/python scripts/build_native.py
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "cashless"
sys.path.insert(0, str(ROOT / "src"))

from cashless.payload._native import (  # noqa: E402
    NATIVE_MODULES,
    compiled_readers,
    sources_digest,
)


def compiled_source(name: str, native: str, digest: str) -> str:
    """The source mypyc compiles: the reader's own, importing its native siblings."""
    text = (PACKAGE / "payload" / f"{name}.py").read_text(encoding="utf-8")
    for other, other_native in NATIVE_MODULES.items():
        text = text.replace(
            f"cashless.payload.{other} import", f"cashless.payload.{other_native} import"
        )
    return f'{text}\n\nSOURCES_DIGEST = "{digest}"\n'


def main() -> int:
    digest = sources_digest()
    if compiled_readers() is not None and "--force" not in sys.argv[1:]:
        print(f"build_native: up to date (sources {digest[:12]}); --force builds again")
        return 0
    build = ROOT / "build"
    build.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=build, prefix="native-") as work:
        tree = Path(work) / "cashless"
        shutil.copytree(PACKAGE, tree, ignore=shutil.ignore_patterns("__pycache__", "*.so"))
        targets = []
        for name, native in NATIVE_MODULES.items():
            target = tree / "payload" / f"{native}.py"
            target.write_text(compiled_source(name, native, digest), encoding="utf-8")
            targets.append(str(target.relative_to(work)))
        env = dict(os.environ, MYPYC_OPT_LEVEL="3")
        # one module a run: mypyc then keeps each module's runtime library inside the
        # package (a run over several writes one shared library at the top level)
        for target in targets:
            done = subprocess.run(
                [sys.executable, "-m", "mypyc", target],
                cwd=work,
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode != 0:
                sys.stderr.write(done.stdout[-4000:] + done.stderr[-4000:])
                print(
                    f"build_native: mypyc failed on {target}; plain Python stays in use",
                    file=sys.stderr,
                )
                return 1
        built = sorted((tree / "payload").glob("*_native*.so"))
        if not built:
            print("build_native: mypyc wrote no extension module", file=sys.stderr)
            return 1
        for old in (PACKAGE / "payload").glob("*_native*.so"):
            old.unlink()
        for module in built:
            staged = PACKAGE / "payload" / f".{module.name}.tmp"
            shutil.copyfile(module, staged)
            staged.replace(PACKAGE / "payload" / module.name)
    names = ", ".join(module.name.split(".")[0] for module in built)
    print(f"build_native: compiled {names} into src/cashless/payload (sources {digest[:12]})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

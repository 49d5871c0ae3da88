"""cashless.stalls.sheet.stream_sheet: the same PDF as render_sheet, written as it is drawn."""

from __future__ import annotations

import dataclasses
import errno
import gc
import inspect
import tracemalloc
from datetime import datetime, timezone
from pathlib import Path

import fpdf
import pytest

from cashless.errors import LayoutError, OutputError, UsageError
from cashless.stalls import sheet as sheet_module
from cashless.stalls.registry import Registry, Stall, load_registry
from cashless.stalls.sheet import (
    SheetSummary,
    manifest_path,
    render_sheet,
    stream_sheet,
    write_sheet,
)

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "stalls.csv"
MARKET = "Chợ Điện Biên"
CREATED = datetime(2026, 3, 1, 8, 30, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry(EXAMPLE)


@pytest.fixture
def fixed_date(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every fpdf2 document made in the test is dated ``CREATED`` (it goes into /ID too)."""
    made = fpdf.FPDF.__init__

    def dated(self: fpdf.FPDF, *args: object, **kwargs: object) -> None:
        made(self, *args, **kwargs)  # type: ignore[arg-type]
        self.creation_date = CREATED

    monkeypatch.setattr(fpdf.FPDF, "__init__", dated)


def _many(base: list[Stall], count: int) -> list[Stall]:
    return [
        dataclasses.replace(
            base[i % len(base)],
            stall_id=f"M{i:04d}",
            account=f"{int(base[i % len(base)].account) + i}",
        )
        for i in range(count)
    ]


def _check_same(stalls: list[Stall], folder: Path, **options: object) -> SheetSummary:
    """Stream and render the same sheet; the files must be the rendered sheet's."""
    in_memory = render_sheet(stalls, **options)  # type: ignore[arg-type]
    target = folder / "cards.pdf"
    summary = stream_sheet(stalls, target, **options)  # type: ignore[arg-type]
    assert target.read_bytes() == in_memory.data
    assert manifest_path(target).read_text(encoding="utf-8") == in_memory.manifest_csv()
    assert summary.path == target and summary.manifest == manifest_path(target)
    assert (summary.pages, summary.cards) == (in_memory.pages, len(in_memory.cards))
    versions = [card.version for card in in_memory.cards]
    modules = [card.module_mm for card in in_memory.cards]
    assert summary.versions == (min(versions), max(versions))
    assert summary.module_mm == (min(modules), max(modules))
    assert summary.warnings == in_memory.warnings
    return summary


@pytest.mark.parametrize(
    "options",
    [
        {"market": MARKET},
        {"layout": "placard", "paper": "A5", "mixed": False},
        {"layout": "2x2", "paper": "Letter", "start": 3, "error": "Q"},
        {"layout": "1x2", "qr_mm": 40, "market": MARKET},
    ],
    ids=["2x4", "placard", "start", "small-codes"],
)
def test_the_streamed_sheet_is_the_rendered_one_byte_for_byte(
    registry, tmp_path, fixed_date, options
) -> None:
    _check_same(list(registry), tmp_path, **options)


def test_card_codes_and_a_logo_stream_alike(registry, tmp_path, fixed_date) -> None:
    from PIL import Image

    logo = tmp_path / "logo.png"
    Image.new("RGB", (40, 20), (200, 30, 30)).save(logo)
    stalls = list(registry)[:11]
    codes = {stall.stall_id: f"CDB-{n:04d}-XK" for n, stall in enumerate(stalls)}
    folder = tmp_path / "out"
    folder.mkdir()
    summary = _check_same(stalls, folder, card_codes=codes, logo=logo, market=MARKET)
    assert summary.cards == 11 and summary.pages == 2


def test_the_small_module_warning_is_in_the_summary(registry, tmp_path, fixed_date) -> None:
    summary = _check_same(list(registry)[:9], tmp_path, qr_mm=20)
    assert summary.module_mm[0] < 0.8 and summary.warnings
    assert "< 0,8 mm" in summary.warnings[0]


def test_without_manifest_only_the_pdf_is_written(registry, tmp_path) -> None:
    target = tmp_path / "cards.pdf"
    summary = stream_sheet(list(registry)[:3], target, manifest=False)
    assert summary.manifest is None and target.read_bytes().startswith(b"%PDF-")
    assert [p.name for p in tmp_path.iterdir()] == ["cards.pdf"]


def test_write_sheet_streams_and_returns_the_path(registry, tmp_path, fixed_date) -> None:
    target = tmp_path / "stalls.pdf"
    assert write_sheet(list(registry)[:5], target, market=MARKET) == target
    assert target.read_bytes() == render_sheet(list(registry)[:5], market=MARKET).data


def test_stream_and_render_take_the_same_options() -> None:
    rendered = inspect.signature(render_sheet).parameters
    streamed = dict(inspect.signature(stream_sheet).parameters)
    del streamed["path"], streamed["manifest"]
    assert [(p.name, p.kind, p.default) for p in streamed.values()] == [
        (p.name, p.kind, p.default) for p in rendered.values()
    ]


def _old_outputs(folder: Path) -> Path:
    target = folder / "cards.pdf"
    target.write_bytes(b"old sheet")
    manifest_path(target).write_text("old manifest", encoding="utf-8")
    return target


def _unchanged(target: Path) -> bool:
    return (
        target.read_bytes() == b"old sheet"
        and manifest_path(target).read_text(encoding="utf-8") == "old manifest"
        and sorted(p.name for p in target.parent.iterdir()) == ["cards-manifest.csv", "cards.pdf"]
    )


def test_a_failure_on_a_later_card_leaves_the_old_files(
    registry, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = _old_outputs(tmp_path)
    drawn = []
    draw = sheet_module._draw_card

    def fail_on_the_20th(*args, **kwargs):
        if len(drawn) == 19:
            raise LayoutError("the code does not fit the card")
        drawn.append(args[4].stall_id)
        return draw(*args, **kwargs)

    monkeypatch.setattr(sheet_module, "_draw_card", fail_on_the_20th)
    with pytest.raises(LayoutError, match="does not fit"):
        stream_sheet(list(registry), target, market=MARKET)
    assert len(drawn) == 19  # two pages and more were drawn, their rows written
    assert _unchanged(target)
    # a new name: nothing appears at all
    with pytest.raises(LayoutError):
        drawn.clear()
        stream_sheet(list(registry), tmp_path / "new.pdf")
    assert _unchanged(target)


def test_a_bad_option_writes_nothing(registry, tmp_path) -> None:
    target = _old_outputs(tmp_path)
    with pytest.raises(UsageError, match="start"):
        stream_sheet(list(registry), target, start=9)
    with pytest.raises(UsageError, match="error"):
        stream_sheet(list(registry), target, error="Z")
    assert _unchanged(target)


def test_a_write_that_fails_is_an_output_error_naming_the_users_path(
    registry, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = _old_outputs(tmp_path)
    writes = []
    write = sheet_module._write

    def full_disk(out, data):
        writes.append(len(data))
        if len(writes) == 3:  # a page to the spool, or the PDF itself
            full = OSError(errno.ENOSPC, "No space left on device")
            raise sheet_module._OutputFailed(full) from full
        write(out, data)

    monkeypatch.setattr(sheet_module, "_write", full_disk)
    with pytest.raises(OutputError) as info:
        stream_sheet(list(registry), target, market=MARKET)
    assert str(info.value) == f"cannot write {str(target)!r}: No space left on device"
    assert _unchanged(target)


@pytest.mark.parametrize("missing", ["_spooled_content", "_deflated_pages"])
def test_without_fpdf2s_hooks_the_sheet_is_rendered_then_saved(
    registry, tmp_path, fixed_date, monkeypatch: pytest.MonkeyPatch, missing
) -> None:
    monkeypatch.setattr(sheet_module, missing, lambda: None)
    if missing == "_deflated_pages":
        monkeypatch.setattr(sheet_module, "_spooled_content", lambda: None)
    _check_same(list(registry)[:20], tmp_path, market=MARKET)


def _streamed_peak(stalls: list[Stall], target: Path) -> tuple[int, int]:
    """Peak Python allocations while streaming ``stalls`` to ``target``, and the PDF's size."""
    gc.collect()
    tracemalloc.start()
    try:
        stream_sheet(stalls, target, market=MARKET)
        return tracemalloc.get_traced_memory()[1], target.stat().st_size
    finally:
        tracemalloc.stop()


def test_streaming_memory_is_flat_in_the_stall_count(
    registry, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Issue 12. Kept in memory (render_sheet, then save), ten times the stalls raise this
    # peak by 1.6 times the extra PDF (deflated pages, fpdf2's buffer, the bytes, the
    # cards); streamed, by about a sixth of it: fpdf2's objects for each page (~2 KB).
    if tracemalloc.is_tracing():
        pytest.skip("tracemalloc is already tracing this process")
    # Garbage in reference cycles (segno's, fpdf2's) is collected at each page, so that
    # when the collector happens to run does not count as growth; the same stall names
    # on both sheets, so that the font subsets are the same too.
    finish = sheet_module._Spool.finish

    def collected(spool, contents):
        gc.collect()
        return finish(spool, contents)

    monkeypatch.setattr(sheet_module._Spool, "finish", collected)
    stalls = _many(list(registry)[:8], 160)
    stream_sheet(stalls[:9], tmp_path / "warm.pdf", market=MARKET)  # imports, caches
    small_peak, small_pdf = _streamed_peak(stalls[:16], tmp_path / "small.pdf")
    large_peak, large_pdf = _streamed_peak(stalls, tmp_path / "large.pdf")
    assert large_pdf - small_pdf > 200_000
    assert large_peak - small_peak < (large_pdf - small_pdf) / 3, (
        f"peak rose {(large_peak - small_peak) / 1024:.0f} KB for "
        f"{(large_pdf - small_pdf) / 1024:.0f} KB more PDF"
    )

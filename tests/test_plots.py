"""Every plot draws from a small real result, labels its axes and renders."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from matplotlib.figure import Figure

from cashless.errors import UsageError
from cashless.policy import plots, plotstyle
from cashless.policy.sweeps import sensitivity, sweep
from cashless.sim.replicate import run
from cashless.sim.scenario import preset, with_overrides

TINY = {"market.stalls_scale": 0.1}


@pytest.fixture(scope="module")
def tiny():
    return with_overrides(preset("dien-bien"), TINY)


@pytest.fixture(scope="module")
def swept(tiny):
    grid = {"payments.qr_share": [0.0, 0.5, 0.9], "payments.speaker_share": [0.0, 1.0]}
    return sweep(tiny, grid, replications=2, seed=1)


@pytest.fixture(scope="module")
def one_run(tiny):
    return run(
        with_overrides(tiny, {"payments.qr_share": 0.6}), replications=2, seed=2, keep_days=True
    )


def _renders(fig: Figure) -> None:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    assert buffer.getvalue().startswith(b"\x89PNG")


def test_throughput_and_wait_has_lines_bands_and_labels(swept):
    fig = plots.throughput_and_wait(swept, "payments.qr_share", hue="payments.speaker_share")
    left, right = fig.axes
    assert left.get_xlabel() == right.get_xlabel() == "QR share"
    assert left.get_ylabel() == "transactions per hour"
    assert right.get_ylabel() == "wait before service (s)"
    assert len(left.lines) == 2  # one per speaker share
    assert len(right.lines) == 4  # mean and p95 per speaker share
    assert len(left.collections) == 2  # confidence bands
    xs = left.lines[0].get_xdata()
    assert list(xs) == [0.0, 0.5, 0.9]
    # The band surrounds the mean line.
    band = left.collections[0].get_paths()[0].vertices[:, 1]
    assert band.min() <= min(left.lines[0].get_ydata()) <= band.max()
    _renders(fig)


def test_throughput_and_wait_rejects_an_unswept_key(swept):
    with pytest.raises(UsageError):
        plots.throughput_and_wait(swept, "payments.dynamic_share")


def test_losses_by_cause_for_one_run(one_run):
    fig = plots.losses_by_cause(one_run)
    (ax,) = fig.axes
    assert ax.get_ylabel() == "loss per million VND of sales (VND)"
    assert ax.get_xlabel() == "payment method"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["cash", "QR"]
    assert len(ax.patches) > 0
    causes = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {c.get_label() for c in ax.containers} == set(causes)
    # The stacked bars add up to each method's total loss per million.
    summary = one_run.summary["mean"]
    for method, side in (("cash", -1), ("qr", 1)):
        total = sum(
            p.get_height() for p in ax.patches if side * (p.get_x() + p.get_width() / 2) > 0
        )
        assert total == pytest.approx(summary[f"{method}.loss_per_million_vnd"], rel=1e-9)
        assert total > 0
    _renders(fig)


def test_losses_by_cause_across_a_sweep(swept):
    fig = plots.losses_by_cause(swept, x="payments.qr_share")
    (ax,) = fig.axes
    assert ax.get_xlabel().startswith("QR share")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0%", "50%", "90%"]
    assert len(ax.patches) > 0
    _renders(fig)


def test_queue_over_day_one_line_per_category(one_run, tiny):
    fig = plots.queue_over_day(one_run.days, open_hour=tiny.market.open_hour)
    (ax,) = fig.axes
    assert ax.get_xlabel() == "time of day (h)"
    assert ax.get_ylabel() == "mean queue length (customers)"
    categories = set(one_run.days[0].queue_trace["category"])
    assert len(ax.lines) == len(categories)
    assert min(ax.lines[0].get_xdata()) >= tiny.market.open_hour
    _renders(fig)


def test_queue_over_day_averages_days():
    day1 = pd.DataFrame({"t": [0, 300], "category": ["meat", "meat"], "queue_length": [1.0, 3.0]})
    day2 = pd.DataFrame({"t": [0, 300], "category": ["meat", "meat"], "queue_length": [3.0, 5.0]})
    fig = plots.queue_over_day([day1, day2])
    assert list(fig.axes[0].lines[0].get_ydata()) == [2.0, 4.0]
    assert fig.axes[0].get_xlabel() == "hours since opening"


def test_tornado_from_a_sensitivity_table(tiny):
    keys = ["payments.static_qr_time_mean", "arrivals.visitors_per_day"]
    table = sensitivity(tiny, ["all.wait_mean_s"], keys=keys, replications=1, seed=3)
    fig = plots.tornado(table)
    (ax,) = fig.axes
    assert ax.get_xlabel().startswith("mean wait (s)")
    assert ax.get_ylabel() == "assumption [sweep range]"
    assert len(ax.patches) == 2 * len(keys)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    widest = table.iloc[0]["parameter"]
    assert labels[-1].startswith(widest)  # the widest swing is drawn on top
    _renders(fig)


def test_tornado_unknown_metric():
    table = pd.DataFrame(
        {
            "parameter": ["a"],
            "low": [0.0],
            "high": [1.0],
            "metric": ["m"],
            "baseline": [1.0],
            "at_low": [0.5],
            "at_high": [2.0],
            "swing": [1.5],
        }
    )
    with pytest.raises(UsageError):
        plots.tornado(table, "other")


def test_save_demo_figures_writes_pngs(one_run, tmp_path):
    paths = plots.save_demo_figures(one_run, tmp_path / "out")
    assert [p.name for p in paths] == ["losses_cash_vs_qr.png", "queue_over_day.png"]
    for path in paths:
        assert path.read_bytes().startswith(b"\x89PNG")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(p.name for p in paths)


def test_labels_for_metrics_and_keys():
    assert plotstyle.label("all.wait_mean_s") == "mean wait (s)"
    assert plotstyle.label("cash.loss_per_million_vnd") == "loss per million VND of sales, cash"
    assert plotstyle.label("arrivals.visitors_per_day") == "visitors per day"


def test_metric_vs_one_line_per_hue(swept):
    fig = plots.metric_vs(
        swept, "payments.qr_share", "qr.transactions", hue="payments.speaker_share"
    )
    (ax,) = fig.axes
    assert ax.get_xlabel() == "QR share"
    assert ax.get_ylabel() == "stall transactions per day, QR"
    assert len(ax.lines) == 2
    assert len(ax.collections) == 2
    # No customer prefers QR at share 0, so the QR line starts at zero.
    assert ax.lines[0].get_ydata()[0] == 0
    _renders(fig)


def test_metric_bars_with_intervals(swept):
    fig = plots.metric_bars(swept, ["all.wait_mean_s", "all.lost_sales"])
    left, right = fig.axes
    assert left.get_ylabel() == "mean wait (s)"
    assert right.get_ylabel() == "lost sales per day"
    assert left.get_xlabel() == right.get_xlabel() == "scenario"
    assert len(left.patches) == 6  # one bar per grid point
    ticks = [t.get_text() for t in left.get_xticklabels()]
    assert ticks[0] == "QR share 0%, speaker share 0%"
    with pytest.raises(UsageError):
        plots.metric_bars(swept, ["all.wait_mean_s"], labels=["too", "few"])
    _renders(fig)


def test_plots_and_tables_cover_every_headline_metric(swept, one_run):
    from cashless.policy import tables
    from cashless.sim.results import GROUPS, HEADLINE_METRICS

    assert set(plotstyle.METRIC_LABELS) == set(HEADLINE_METRICS)
    for group in GROUPS:
        for name in HEADLINE_METRICS:
            assert plotstyle.METRIC_LABELS[name] in plotstyle.label(f"{group}.{name}")
    for group in GROUPS:
        table = tables.headline_summary(swept, group=group)
        assert table[table["point"] == 0]["metric"].tolist() == list(HEADLINE_METRICS)
    assert list(one_run.comparison().index) == list(HEADLINE_METRICS)
    fig = plots.metric_bars(swept, [f"all.{name}" for name in HEADLINE_METRICS])
    assert [ax.get_ylabel() for ax in fig.axes] == [
        plotstyle.METRIC_LABELS[name] for name in HEADLINE_METRICS
    ]


def test_bad_inputs_raise_usage_or_output_errors(swept, tmp_path):
    from cashless.errors import OutputError
    from cashless.policy import tables

    with pytest.raises(UsageError):
        plots.queue_over_day(42)
    with pytest.raises(UsageError):
        plots.queue_over_day(pd.DataFrame({"t": [0]}))
    with pytest.raises(UsageError):
        plots.tornado(pd.DataFrame({"metric": ["m"]}))
    with pytest.raises(UsageError):
        plots.metric_vs(pd.DataFrame({"x": [1]}), "payments.qr_share", "all.wait_mean_s")
    with pytest.raises(UsageError, match="group"):
        tables.headline_summary(swept, group="card")
    fig = plots.metric_vs(swept, "payments.qr_share", "all.wait_mean_s")
    with pytest.raises(OutputError, match="must end in"):
        plots.savefigure(fig, tmp_path / "figure.xlsx")
    with pytest.raises(OutputError, match="does not exist"):
        plots.savefigure(fig, tmp_path / "missing" / "figure.png")
    assert plots.savefigure(fig, tmp_path / "figure.svg").read_bytes().startswith(b"<?xml")

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
    from matplotlib.container import BarContainer

    bars = [c for c in ax.containers if isinstance(c, BarContainer)]
    assert {c.get_label() for c in bars} == set(causes)
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
    with pytest.raises(UsageError, match=r"also varies payments\.speaker_share"):
        plots.losses_by_cause(swept, x="payments.qr_share")  # no silent average over it
    fig = plots.losses_by_cause(swept, x="payments.qr_share", where={"payments.speaker_share": 1.0})
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
    fig = plots.metric_vs(
        swept, "payments.qr_share", "all.wait_mean_s", where={"payments.speaker_share": 0.0}
    )
    with pytest.raises(OutputError, match="must end in"):
        plots.savefigure(fig, tmp_path / "figure.xlsx")
    with pytest.raises(OutputError, match="does not exist"):
        plots.savefigure(fig, tmp_path / "missing" / "figure.png")
    assert plots.savefigure(fig, tmp_path / "figure.svg").read_bytes().startswith(b"<?xml")


# -- one colour per cause, intervals on stacks, heatmaps, list-valued keys ---------------


def _bar_colours(fig: Figure) -> dict[str, tuple]:
    from matplotlib.container import BarContainer

    (ax,) = fig.axes
    return {
        c.get_label(): tuple(c.patches[0].get_facecolor())
        for c in ax.containers
        if isinstance(c, BarContainer) and c.patches and not c.get_label().startswith("_")
    }


def test_a_cause_has_the_same_colour_in_every_figure(one_run, swept):
    from matplotlib.colors import to_rgba

    first = _bar_colours(plots.losses_by_cause(one_run))
    second = _bar_colours(
        plots.losses_by_cause(swept, x="payments.qr_share", where={"payments.speaker_share": 0.0})
    )
    shared = set(first) & set(second)
    assert shared
    for cause in shared:
        assert (
            first[cause]
            == second[cause]
            == to_rgba(plotstyle.cause_colour(cause.replace(" ", "_")))
        )
    colours = [
        plotstyle.cause_colour(c) for c in __import__("cashless.sim.results").sim.results.CAUSES
    ]
    assert len(set(map(tuple, colours))) == len(colours)  # no two causes share a colour
    assert plotstyle.cause_colour("a_new_cause") == plotstyle.cause_colour("a_new_cause")


def test_stacked_loss_bars_carry_the_total_interval(one_run):
    from matplotlib.container import ErrorbarContainer

    (ax,) = plots.losses_by_cause(one_run).axes
    bars = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    assert len(bars) == 2  # cash and QR
    summary = one_run.summary
    drawn = sorted(tuple(segment[:, 1]) for c in bars for segment in c.lines[2][0].get_segments())
    totals = [summary.loc[f"{m}.loss_per_million_vnd"] for m in ("cash", "qr")]
    expected = sorted((row["ci_low"], row["ci_high"]) for row in totals)
    assert drawn == [pytest.approx(pair, rel=1e-9) for pair in expected]
    assert all(low < high for low, high in drawn)  # two days: a real interval, not 0 ± 0


def test_heatmap_of_a_two_key_sweep(swept):
    fig = plots.heatmap(swept, "payments.qr_share", "payments.speaker_share", "all.wait_mean_s")
    ax = fig.axes[0]
    assert ax.get_xlabel() == "QR share"
    assert ax.get_ylabel() == "speaker share"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0%", "50%", "90%"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["0%", "100%"]
    image = ax.images[0].get_array()
    assert image.shape == (2, 3)
    rows = swept.metric("all.wait_mean_s")
    top_right = rows[(rows["payments.qr_share"] == 0.9) & (rows["payments.speaker_share"] == 1.0)]
    assert image[1, 2] == pytest.approx(float(top_right["mean"].iloc[0]))
    assert len(ax.texts) == 6 and "±" in ax.texts[0].get_text()
    assert fig.axes[1].get_ylabel() == "mean wait (s)"  # the colour bar
    _renders(fig)
    with pytest.raises(UsageError):
        plots.heatmap(swept, "payments.qr_share", "payments.qr_share", "all.wait_mean_s")
    with pytest.raises(UsageError):
        plots.heatmap(swept, "payments.qr_share", "payments.dynamic_share", "all.wait_mean_s")


def _outage_summary() -> pd.DataFrame:
    rows = []
    for point, outages in enumerate([(), ((7200.0, 5040.0),)]):
        for speaker in (0.0, 1.0):
            rows.append(
                {
                    "point": 2 * point + int(speaker),
                    "infrastructure.outages": outages,
                    "payments.speaker_share": speaker,
                    "metric": "all.wait_mean_s",
                    "mean": 10.0 + point + speaker,
                    "sd": 1.0,
                    "n": 3,
                    "ci_low": 9.0 + point + speaker,
                    "ci_high": 11.0 + point + speaker,
                }
            )
    return pd.DataFrame(rows)


def test_list_valued_keys_are_labelled_in_words():
    summary = _outage_summary()
    fig = plots.metric_vs(
        summary, "infrastructure.outages", "all.wait_mean_s", hue="payments.speaker_share"
    )
    (ax,) = fig.axes
    assert [t.get_text() for t in ax.get_xticklabels()] == ["no outage", "84 min from 07:00"]
    assert len(ax.lines) == 2
    with pytest.raises(UsageError, match="also varies"):
        plots.metric_vs(summary, "infrastructure.outages", "all.wait_mean_s")
    fig = plots.heatmap(
        summary, "infrastructure.outages", "payments.speaker_share", "all.wait_mean_s"
    )
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert labels == ["no outage", "84 min from 07:00"]
    _renders(fig)


def test_sensitivity_figures():
    from cashless.policy import sensitivity as sa

    morris = sa.morris(sa.Ishigami(), ["y"], trajectories=10, replications=1, seed=1)
    fig = plots.morris_screen(morris)
    (ax,) = fig.axes
    assert ax.get_xlabel().startswith("μ*")
    assert ax.get_ylabel().startswith("σ")
    names = {t.get_text() for t in ax.texts}
    assert {"x1", "x2", "x3"} <= names
    _renders(fig)

    sobol = sa.sobol(sa.Ishigami(), ["y"], base_samples=64, replications=1, seed=1)
    fig = plots.sobol_bars(sobol)
    (ax,) = fig.axes
    assert [t.get_text() for t in ax.get_xticklabels()] == list(sobol.table["parameter"])
    assert len(ax.patches) == 6
    st = [p.get_height() for p in ax.patches[3:]]
    assert st == pytest.approx(list(sobol.table["ST"]))
    _renders(fig)

    class Shifted(sa.Ishigami):
        def __call__(self, point, seed):
            return {"y": super().__call__(point, seed)["y"] + point["x1"] - 1.0}

    flip = sa.flip_point(sa.Ishigami(), Shifted(), "y", "x1", replications=2)
    fig = plots.flip_points([flip, flip])
    assert len([a for a in fig.axes if a.get_visible()]) == 2
    ax = fig.axes[0]
    assert ax.get_title().startswith("flips at 1")
    assert ax.get_xlabel() == "x1"
    _renders(fig)
    with pytest.raises(UsageError):
        plots.flip_points([])
    with pytest.raises(UsageError):
        plots.morris_screen(pd.DataFrame({"x": [1]}))
    with pytest.raises(UsageError):
        plots.sobol_bars(sobol, "nope")

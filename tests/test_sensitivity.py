"""Global sensitivity: known answers on synthetic functions, the pipeline on a tiny market."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pytest

from cashless.errors import CashlessError, ScenarioError, UsageError
from cashless.policy import sensitivity as sa
from cashless.sim.scenario import parameter_table, preset, with_overrides


@dataclass(frozen=True)
class Linear:
    """y = sum(coef_k * x_k) on [0, 2]: Morris effects are exactly coef_k * 2."""

    coefs: tuple[float, ...] = (1.0, -5.0, 0.0, 2.0)

    def factors(self):
        return [sa.Factor(f"x{k}", 0.0, 2.0) for k in range(len(self.coefs))]

    def check(self, point):
        pass

    def metric_names(self):
        return ("y", "y2")

    def __call__(self, point, seed):
        y = sum(c * point.get(f"x{k}", 0.0) for k, c in enumerate(self.coefs))
        return {"y": y, "y2": y * y}


@dataclass(frozen=True)
class Shifted:
    """y = slope * (x - root) plus small noise drawn from the replication's seed."""

    root: float = 0.37
    slope: float = 1.0
    noise: float = 0.01

    def factors(self):
        return [sa.Factor("x", 0.0, 1.0)]

    def check(self, point):
        pass

    def metric_names(self):
        return ("y",)

    def __call__(self, point, seed):
        eps = np.random.default_rng(seed).normal(0.0, self.noise)
        return {"y": self.slope * (point["x"] - self.root) + eps}


@dataclass(frozen=True)
class Zero(Shifted):
    def __call__(self, point, seed):
        return {"y": 0.0}


@pytest.fixture(scope="module")
def tiny():
    return with_overrides(preset("qr-first"), {"market.stalls_scale": 0.02})


TINY_KEYS = [
    "payments.static_qr_time_mean",
    "arrivals.visitors_per_day",
    "categories.meat.servers",
    "errors.mistype_prob",
]


# -- known answers ------------------------------------------------------------------


def test_morris_recovers_linear_effects_and_ranks():
    model = Linear()
    res = sa.morris(model, ["y"], trajectories=6, replications=1, seed=4)
    table = res.table.set_index("parameter")
    for k, c in enumerate(model.coefs):
        assert table.loc[f"x{k}", "mu_star"] == pytest.approx(abs(c) * 2, abs=1e-9)
        assert table.loc[f"x{k}", "mu"] == pytest.approx(c * 2, abs=1e-9)
        assert table.loc[f"x{k}", "sigma"] == pytest.approx(0.0, abs=1e-9)
    assert list(res.table["parameter"]) == ["x1", "x3", "x0", "x2"]
    assert list(res.table["rank"]) == [1, 2, 3, 4]
    assert res.cost.model_days == 6 * 5


def test_morris_sees_the_interaction_of_a_square():
    res = sa.morris(Linear(), ["y", "y2"], trajectories=8, replications=1, seed=1)
    y2 = res.table[res.table["metric"] == "y2"].set_index("parameter")
    assert y2.loc["x1", "sigma"] > 0  # y² is not linear: the effects spread
    assert y2.loc["x2", "mu_star"] == pytest.approx(0.0, abs=1e-9)
    assert res.leaders("y2", 1) == ["x1"]


@pytest.mark.parametrize("seed", [1, 2])
def test_sobol_matches_the_ishigami_indices(seed):
    model = sa.Ishigami()
    res = sa.sobol(model, ["y"], base_samples=1024, replications=1, seed=seed)
    exact = model.indices()
    table = res.table.set_index("parameter")
    for name in ("S1", "ST"):
        for key, truth in exact[name].items():
            assert table.loc[key, name] == pytest.approx(truth, abs=0.06), (name, key)
            assert 0 < table.loc[key, f"{name}_conf"] < 0.2
    assert res.cost.model_days == 1024 * 5
    assert res.table["parameter"].iloc[0] == "x1"  # largest ST first


@pytest.mark.parametrize("root", [0.37, 0.81])
def test_flip_point_finds_a_known_root(root):
    f = sa.flip_point(Zero(), Shifted(root=root), "y", "x", grid=5, refine=3, replications=4)
    assert f.status == "flip"
    assert f.value == pytest.approx(root, abs=0.02)
    lo, hi = f.bracket
    assert lo is not None and hi is not None and lo < root < hi
    assert f.significant
    assert f.cost.model_days == (5 + 3) * 2 * 4
    assert "changes sign at x ≈" in f.describe()
    assert "under these assumptions" in f.describe()
    assert list(f.table["value"]) == sorted(f.table["value"])


def test_flip_point_says_no_flip_honestly():
    f = sa.flip_point(Zero(), Shifted(root=-1.0), "y", "x", grid=4, replications=3)
    assert f.status == "no flip in range"
    assert f.value is None
    assert f.sign_changes == 0
    text = f.describe()
    assert "no flip in range" in text and "stays positive" in text
    assert "excludes zero at every value" in text


def test_flip_point_with_a_root_outside_a_custom_range():
    f = sa.flip_point(Zero(), Shifted(root=0.5), "y", "x", values=[0.6, 0.8, 1.0])
    assert f.status == "no flip in range"
    g = sa.flip_point(Zero(), Shifted(root=0.5), "y", "x", low=0.2, high=0.9, grid=3, refine=0)
    assert g.status == "flip" and g.low == 0.2 and g.high == 0.9


# -- the simulator, tiny ------------------------------------------------------------


def test_factors_come_from_the_parameter_table(tiny):
    found = {f.key: f for f in sa.factors(tiny)}
    assert len(found) >= 10
    for row in parameter_table(tiny):
        if row["key"] in found:
            f = found[row["key"]]
            assert f.low < f.high
            assert f.integer == (
                isinstance(row["value"], int) and not isinstance(row["value"], bool)
            )
    assert found["categories.meat.servers"].integer
    custom = sa.factors(tiny, ["payments.static_qr_time_mean"], ranges={
        "payments.static_qr_time_mean": (8.0, 45.0)
    })  # fmt: skip
    assert (custom[0].low, custom[0].high) == (8.0, 45.0)


def test_pipeline_on_a_tiny_market(tiny):
    metrics = ["all.wait_mean_s", "all.loss_per_million_vnd"]
    res = sa.morris(tiny, metrics, keys=TINY_KEYS, trajectories=2, replications=2, seed=5)
    assert res.table.shape[0] == len(metrics) * len(TINY_KEYS)
    assert {"metric", "parameter", "mu_star", "mu_star_conf", "sigma", "rank"} <= set(
        res.table.columns
    )
    assert res.cost.model_days == 2 * (len(TINY_KEYS) + 1) * 2
    assert res.cost.cpu_seconds > 0
    assert len(res.outputs) == 2 * (len(TINY_KEYS) + 1)
    assert res.outputs["categories.meat.servers"].map(lambda v: float(v).is_integer()).all()
    wait = res.table[res.table["metric"] == "all.wait_mean_s"]
    assert sorted(wait["rank"]) == list(range(1, len(TINY_KEYS) + 1))
    leaders = res.leaders("all.wait_mean_s", 2)
    sob = sa.sobol(tiny, metrics[:1], keys=leaders, base_samples=4, replications=1, seed=5)
    assert sob.table.shape == (2, 8)
    assert set(sob.table["parameter"]) == set(leaders)
    assert sob.cost.model_days == 4 * (2 + 2)


def test_same_seed_same_indices_on_any_number_of_workers(tiny):
    kwargs = {"keys": TINY_KEYS[:2], "trajectories": 2, "replications": 2, "seed": 9}
    one = sa.morris(tiny, ["all.wait_mean_s"], workers=1, **kwargs)
    two = sa.morris(tiny, ["all.wait_mean_s"], workers=2, **kwargs)
    assert one.table.equals(two.table)
    assert one.outputs.equals(two.outputs)


def test_flip_point_on_the_tiny_market(tiny):
    f = sa.flip_point(
        with_overrides(tiny, {"payments.qr_share": 0.0}),
        tiny,
        "all.wait_mean_s",
        "payments.static_qr_time_mean",
        low=8.0,
        grid=3,
        refine=0,
        replications=2,
        seed=3,
    )
    assert f.status in ("flip", "no flip in range")
    assert list(f.table["value"]) == [8.0, pytest.approx((8.0 + f.high) / 2), f.high]
    assert (f.table["n"] == 2).all()
    assert f.cost.model_days == 3 * 2 * 2
    assert "under these assumptions" in f.describe()


# -- bad input: only cashless errors --------------------------------------------------


def test_bad_input_raises_cashless_errors(tiny):
    model = Linear()
    with pytest.raises(ScenarioError):
        sa.morris(tiny, ["all.wait_mean_s"], keys=["payments.no_such_key"])
    with pytest.raises(UsageError, match="no numeric sweep range"):
        sa.morris(tiny, ["all.wait_mean_s"], keys=["arrivals.profile"], trajectories=2)
    swept = {f.key for f in sa.factors(tiny)}
    unswept = [r["key"] for r in parameter_table(tiny) if r["key"] not in swept]
    assert "arrivals.profile" in unswept  # text has no range
    for key in unswept[:3]:
        with pytest.raises(UsageError, match="no numeric sweep range"):
            sa.factors(tiny, [key])
    with pytest.raises(UsageError, match="no metric"):
        sa.morris(model, ["nope"])
    with pytest.raises(UsageError, match="no metric"):
        sa.flip_point(tiny, tiny, "all.nope", "payments.qr_share")
    res = sa.morris(model, ["y"], trajectories=2, replications=1)
    with pytest.raises(UsageError, match="at most 4"):
        res.leaders("y", 5)
    bad_calls = [
        lambda: res.leaders("y", 0),
        lambda: res.leaders("other", 1),
        lambda: sa.morris(model, "y"),
        lambda: sa.morris(model, ["y"], trajectories=1),
        lambda: sa.morris(model, ["y"], levels=3),
        lambda: sa.morris(model, ["y"], replications=0),
        lambda: sa.morris(model, ["y"], seed=-1),
        lambda: sa.morris(model, ["y"], workers=0),
        lambda: sa.sobol(model, ["y"], base_samples=6),
        lambda: sa.sobol(model, ["y"], keys="x0"),
        lambda: sa.sobol(model, ["y"], keys=[]),
        lambda: sa.factors(model, ranges={"x0": (2.0, 1.0)}),
        lambda: sa.factors(model, ranges={"x0": "wide"}),
        lambda: sa.factors(model, ranges={"x9": (0.0, 1.0)}),
        lambda: sa.factors(model, ranges="x0"),
        lambda: sa.factors(model, ranges={1: (0.0, 1.0)}),
        lambda: sa.factors(model, exclude="x0"),
        lambda: sa.factors(model, exclude=["x9"]),
        lambda: sa.morris(tiny, [1]),
        lambda: sa.morris(tiny, ["all.wait_mean_s"], keys=[3]),
        lambda: sa.morris(42, ["all.wait_mean_s"]),
        lambda: sa.flip_point(model, model, "y", "x0", values=[1.0]),
        lambda: sa.flip_point(model, model, "y", "x0", values=["a", "b"]),
        lambda: sa.flip_point(model, model, "y", "x0", grid=1),
        lambda: sa.flip_point(model, model, "y", "x0", refine=-1),
        lambda: sa.flip_point(tiny, tiny, "all.wait_mean_s", "arrivals.profile"),
        lambda: sa.flip_point(tiny, tiny, "all.wait_mean_s", "payments.qr_share", low=2.0),
        lambda: sa.morris("no-such-preset", ["all.wait_mean_s"]),
    ]
    for call in bad_calls:
        with pytest.raises(CashlessError):
            call()


def test_ranges_that_clash_are_left_out_or_refused():
    @dataclass(frozen=True)
    class Hours(Linear):
        def check(self, point):  # x0 and x1 may not both be high
            if point.get("x0", 0.0) + point.get("x1", 0.0) > 3.5:
                raise ScenarioError("too many hours")

    res = sa.morris(Hours(), ["y"], trajectories=10, replications=1, seed=1)
    assert len(res.factors) == 3
    assert any("left out" in note and "clashes" in note for note in res.notes)
    with pytest.raises(UsageError, match="x0, x1 clash"):
        sa.morris(Hours(), ["y"], keys=["x0", "x1", "x2"], trajectories=10, replications=1, seed=1)


def test_group_screening_covers_every_factor_cheaply():
    @dataclass(frozen=True)
    class Sections(Linear):
        def factors(self):
            return [sa.Factor(f"{s}.x{k}", 0.0, 2.0) for s in ("a", "b") for k in range(2)]

        def __call__(self, point, seed):
            return {"y": 3 * point["a.x0"] + point["a.x1"] - point["b.x1"], "y2": 0.0}

    res = sa.morris(Sections(), ["y"], groups=True, trajectories=4, replications=1, seed=1)
    assert list(res.table["parameter"]) == ["a", "b"]
    assert list(res.table["members"]) == [2, 2]
    assert res.cost.model_days == 4 * 3  # groups + 1 points per trajectory
    assert res.table["mu_star"].iloc[0] > res.table["mu_star"].iloc[1] > 0
    fig = __import__("cashless.policy.plots").policy.plots.morris_screen(res)
    assert fig.axes[0].get_ylabel() == "parameter group"


def test_undefined_metric_gives_a_note_not_a_crash():
    @dataclass(frozen=True)
    class Holes(Linear):
        def __call__(self, point, seed):
            return {"y": math.nan if point.get("x0", 0.0) > 1 else 1.0, "y2": 0.0}

    res = sa.morris(Holes(), ["y"], trajectories=4, replications=1, seed=2)
    assert res.table["mu_star"].isna().all()
    assert any("undefined" in note for note in res.notes)
    sob = sa.sobol(Holes(), ["y2"], base_samples=8, replications=1)
    assert sob.table["ST"].isna().all()
    assert any("does not vary" in note for note in sob.notes)


def test_a_dask_cluster_gives_the_same_indices_and_flip_point(tiny):
    """The Dask path of morris and flip_point: the same numbers as one local process."""
    pytest.importorskip("dask.distributed")
    from dask.distributed import LocalCluster

    kwargs = {"keys": TINY_KEYS[:2], "trajectories": 2, "replications": 2, "seed": 9}
    flip = {
        "grid": 3,
        "refine": 1,
        "replications": 2,
        "seed": 3,
        "low": 8.0,
    }
    cash = with_overrides(tiny, {"payments.qr_share": 0.0})
    local = sa.morris(tiny, ["all.wait_mean_s"], workers=1, **kwargs)
    local_flip = sa.flip_point(
        cash, tiny, "all.wait_mean_s", "payments.static_qr_time_mean", workers=1, **flip
    )
    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=False,
        host="127.0.0.1",
        dashboard_address=None,
        protocol="tcp://",
    ) as cluster:
        remote = sa.morris(tiny, ["all.wait_mean_s"], client=cluster.scheduler_address, **kwargs)
        remote_flip = sa.flip_point(
            cash,
            tiny,
            "all.wait_mean_s",
            "payments.static_qr_time_mean",
            client=cluster.scheduler_address,
            **flip,
        )
    assert remote.table.equals(local.table)
    assert remote.outputs.equals(local.outputs)
    assert remote_flip.table.equals(local_flip.table)
    assert remote.cost.model_days == local.cost.model_days

"""Scenario discovery: which region of a sweep's parameters leads to an outcome.

``analyze DIR --discover "final_alignment.kazakhstan.china > final_alignment.kazakhstan.russia"``
(or the sweep file's ``analysis.threshold``: the outcome metric above it) marks each run
as a case or not, and finds boxes of parameter space where the cases concentrate with
PRIM (Friedman and Fisher 1999, through EMA Workbench's ``prim``): the peeling
trajectory trades **coverage** (the share of all cases inside the box) against
**density** (the share of the box's runs that are cases). The box reported is the
densest whose coverage is at least ``min_coverage``; a CART tree (scikit-learn) fitted to
the same runs is the check: its rules should name the same parameters. Needs the
``discovery`` extra (``pip install 'influence-sim[discovery]'``).

Writes ``analysis/discover-<slug>/``: ``trajectory.csv`` (every box of the peel),
``box.csv`` (the chosen box's limits), ``peeling.png`` (coverage against density) and
``cart.txt`` (the tree's rules and accuracy).
"""

from __future__ import annotations

import hashlib
import inspect
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from influence_sim.errors import InfluenceSimError
from influence_sim.sweeps.sweepresult import SweepResult

MIN_COVERAGE = 0.5
"""The box reported is the densest on the peeling trajectory with at least this coverage."""
PEEL_THRESHOLD = 0.8
"""PRIM stops peeling once a box's density reaches this (EMA Workbench's ``threshold``)."""


@dataclass
class Discovery:
    """What PRIM found: the box's limits, its statistics, the trajectory and CART's check."""

    condition: str
    cases: int
    runs: int
    box: pd.DataFrame
    coverage: float
    density: float
    trajectory: pd.DataFrame
    cart_rules: str
    cart_accuracy: float
    folder: Path

    def lines(self) -> list[str]:
        """What is printed."""
        out = [
            f"discover: {self.condition}: {self.cases} of {self.runs} runs are cases "
            f"({self.cases / max(self.runs, 1):.0%})",
            f"PRIM box: coverage {self.coverage:.2f} (share of all cases inside), density "
            f"{self.density:.2f} (share of the box's runs that are cases)",
        ]
        for name, row in self.box.iterrows():
            out.append(f"  {name}: {_limits(row)}")
        out.append(f"CART (a check): accuracy {self.cart_accuracy:.2f}; rules in cart.txt")
        out.append(f"peeling trajectory: {self.folder / 'peeling.png'}")
        return out


def discover(
    result: SweepResult,
    condition: str | None = None,
    *,
    min_coverage: float = MIN_COVERAGE,
) -> Discovery:
    """Find the box of parameters where ``condition`` holds (PRIM), with a CART check.

    Args:
        result: A finished sweep.
        condition: A pandas expression over the sweep's metrics (dotted names as they
            are); default: the sweep's ``analysis.metric`` above ``analysis.threshold``.
        min_coverage: The least coverage of the box reported.

    Raises:
        InfluenceSimError: For a condition that names no metric or is not true/false per
            run, a sweep with no cases or nothing but cases, or without the extra.
    """
    prim, tree = _libraries()
    metrics = result.metrics
    condition = condition or _default_condition(result)
    cases = _evaluate(metrics, condition)
    parameters = list(result.spec.parameters)
    if "base" in metrics:  # the base scenario is a factor too
        parameters = ["base", *parameters]
    x = metrics[parameters].copy()
    for path in parameters:
        if x[path].dtype == object or isinstance(x[path].dtype, pd.StringDtype):
            x[path] = x[path].astype("category")
    y = cases.to_numpy(dtype=bool)
    if y.all() or not y.any():
        raise InfluenceSimError(
            f"'{condition}' holds in {int(y.sum())} of {len(y)} runs: there is nothing to "
            "discover (PRIM needs runs where it holds and runs where it does not)"
        )
    with warnings.catch_warnings():  # EMA Workbench's own deprecations (pandas 3) are not ours
        warnings.filterwarnings("ignore", module=r"ema_workbench(\.|$)")
        # EMA Workbench 2.5 stops peeling at a density threshold; 3 peels to its mass_min
        accepts = "threshold" in inspect.signature(prim.Prim).parameters
        options = {"threshold": PEEL_THRESHOLD} if accepts else {}
        found = prim.Prim(x, y, **options).find_box()
    trajectory = found.peeling_trajectory.copy()
    eligible = trajectory[trajectory["coverage"] >= min_coverage]
    chosen = int(eligible["density"].idxmax()) if len(eligible) else 0
    limits = found.box_lims[chosen]
    box = _box_table(limits, x)
    folder = result.folder / "analysis" / f"discover-{_slug(condition)}"
    folder.mkdir(parents=True, exist_ok=True)
    trajectory.to_csv(folder / "trajectory.csv", index=False)
    box.assign(  # which condition it answers, and how well
        condition=condition,
        coverage=float(trajectory.loc[chosen, "coverage"]),
        density=float(trajectory.loc[chosen, "density"]),
    ).to_csv(folder / "box.csv")
    rules, accuracy = _cart(tree, x, y)
    (folder / "cart.txt").write_text(
        f"CART tree (depth 3) for: {condition}\naccuracy on the runs: {accuracy:.3f}\n\n{rules}",
        encoding="utf-8",
    )
    _plot(trajectory, chosen, condition, folder / "peeling.png")
    return Discovery(
        condition,
        int(y.sum()),
        len(y),
        box,
        float(trajectory.loc[chosen, "coverage"]),
        float(trajectory.loc[chosen, "density"]),
        trajectory,
        rules,
        accuracy,
        folder,
    )


def _libraries() -> tuple[Any, Any]:
    try:
        with warnings.catch_warnings():  # its optional parallel back end is not ours
            warnings.simplefilter("ignore")
            from ema_workbench.analysis import prim
        from sklearn import tree
    except ImportError:
        raise InfluenceSimError(
            "scenario discovery needs EMA Workbench: pip install 'influence-sim[discovery]'"
        ) from None
    from influence_sim.analysis.prim_compat import patch_prim

    patch_prim()  # the boxes it returns inspect categorical uncertainties with pandas 3
    return prim, tree


def _default_condition(result: SweepResult) -> str:
    analysis = result.spec.analysis
    if analysis.threshold is None:
        raise InfluenceSimError(
            'give a condition (--discover "metric > value"), or set the sweep file\'s '
            "analysis.metric and analysis.threshold"
        )
    from influence_sim.analysis.sensitivity import outcome

    return f"{outcome(result)} > {analysis.threshold}"


def _evaluate(metrics: pd.DataFrame, condition: str) -> pd.Series:
    """The condition per run; dotted metric names may be written as they are."""
    text = condition
    for name in sorted(metrics.columns, key=len, reverse=True):
        if "." in str(name):
            text = re.sub(rf"(?<![`\w.]){re.escape(str(name))}(?![\w.`])", f"`{name}`", text)
    try:
        value = metrics.eval(text)
    except Exception as exc:  # pandas raises many kinds for a bad expression
        raise InfluenceSimError(
            f"--discover '{condition}': cannot evaluate it over the sweep's metrics "
            f"({type(exc).__name__}: {exc}); write a comparison such as "
            "'final_alignment.kazakhstan.china > final_alignment.kazakhstan.russia'"
        ) from None
    if not isinstance(value, pd.Series) or value.dtype != bool:
        raise InfluenceSimError(
            f"--discover '{condition}': expected true or false per run (a comparison), "
            "found a value"
        )
    return value


def _box_table(limits: pd.DataFrame, x: pd.DataFrame) -> pd.DataFrame:
    """The box's limits per parameter, and whether PRIM restricted it."""
    rows = {}
    for path in x.columns:
        column = limits[path]
        if isinstance(x[path].dtype, pd.CategoricalDtype):
            kept = sorted(map(str, column.iloc[0]))
            every = sorted(map(str, x[path].cat.categories))
            rows[path] = {
                "low": np.nan,
                "high": np.nan,
                "levels": ", ".join(kept),
                "restricted": kept != every,
            }
        else:
            # tidy: 0.15, not the 0.15000000000000002 a grid's arithmetic leaves
            low, high = (float(f"{float(v):.12g}") for v in column.iloc[:2])
            restricted = low > float(x[path].min()) or high < float(x[path].max())
            rows[path] = {"low": low, "high": high, "levels": "", "restricted": restricted}
    return pd.DataFrame.from_dict(rows, orient="index")


def _limits(row: pd.Series) -> str:
    if row["levels"]:
        return f"levels {row['levels']}" + ("" if row["restricted"] else " (all: unrestricted)")
    text = f"{row['low']:.4g} to {row['high']:.4g}"
    return text if row["restricted"] else text + " (unrestricted)"


def _cart(tree: Any, x: pd.DataFrame, y: np.ndarray) -> tuple[str, float]:
    """A depth-3 classification tree on the runs: its rules and its accuracy."""
    features = pd.get_dummies(x, dtype=float)
    model = tree.DecisionTreeClassifier(max_depth=3, random_state=0).fit(features, y)
    rules = tree.export_text(model, feature_names=[str(c) for c in features.columns])
    return rules, float(model.score(features, y))


def _plot(trajectory: pd.DataFrame, chosen: int, condition: str, path: Path) -> None:
    from influence_sim.viz import save_figure
    from influence_sim.viz.sweeps import count_scale

    # a count of parameters restricted: one colour per count, whole-number ticks
    counts, colours, norm = count_scale(int(trajectory["res_dim"].max()))

    def draw(ax: Any) -> None:
        points = ax.scatter(
            trajectory["coverage"],
            trajectory["density"],
            c=trajectory["res_dim"],
            cmap=colours,
            norm=norm,
            s=18,
        )
        ax.plot(trajectory["coverage"], trajectory["density"], color="#bbbbbb", lw=0.8)
        ax.scatter(
            [trajectory.loc[chosen, "coverage"]],
            [trajectory.loc[chosen, "density"]],
            s=120,
            facecolors="none",
            edgecolors="#D55E00",
            linewidths=1.5,
            label="the box reported",
        )
        bar = ax.figure.colorbar(points, ax=ax, label="parameters restricted (a count)")
        bar.set_ticks(counts)
        ax.set(
            xlabel="coverage (share of all cases inside the box)",
            ylabel="density (share of the box's runs that are cases)",
            title=f"PRIM peeling trajectory: {condition}",
            xlim=(0, 1.02),
            ylim=(0, 1.02),
        )
        ax.title.set_fontsize("small")
        ax.legend(loc="lower left", fontsize="small")

    save_figure(path, draw, size=(7, 5))


def _slug(condition: str) -> str:
    """A folder name for a condition: readable, and its own (a hash of the text).

    Comparisons become words (``gt``, ``le``, ...), so ``a > b`` and ``a < b`` read apart
    and neither side is cut off; the hash keeps any two conditions apart.
    """
    words = condition.lower()
    for sign, word in ((">=", " ge "), ("<=", " le "), ("==", " eq "), ("!=", " ne "),
                       (">", " gt "), ("<", " lt ")):  # fmt: skip
        words = words.replace(sign, word)
    readable = re.sub(r"[^a-z0-9._]+", "-", words).strip("-")
    if len(readable) > 120:  # keep both ends: the metric and what it is compared with
        readable = readable[:58] + "--" + readable[-58:]
    readable = readable or "condition"
    return f"{readable}-{hashlib.sha256(condition.encode()).hexdigest()[:8]}"

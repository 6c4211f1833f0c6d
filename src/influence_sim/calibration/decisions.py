"""Decisions estimated on the record: whether a government asks, whether the lead sends troops.

The record is ``data/observed/requests.csv``: every episode of serious trouble in the
former Soviet space that the sources cover (1992-2021, and the two of January 2022 the
shared catalogue gives), coded with what could be seen at the time from independent
sources (``docs/decisions.md``): what was threatened, who was fighting, the independent
observers' probability that armed groups from abroad took part (never the requester's
framing), the toll, membership, whether the lead was at war elsewhere, whether help was
asked for, and what came of it.

Each side is a logistic regression, fitted by its posterior mode under a normal prior
on every coefficient (sd :data:`PRIOR_SD`, on inputs that are 0/1 or in [0, 1]; a small
record separates the outcomes perfectly on some input, and without a prior the fit
would run to infinity). The engine's answer (:data:`ENGINE`) is a probit, as the engine
draws it, under sd :data:`PROBIT_SD`; :func:`engine_defaults` turns it into the engine's
parameters. Each episode's probability is also predicted **out of sample**, from the fit
to the others (leave one out): the honest measure of what the record supports.
Intervals are the normal approximation's at the mode (from the expected information).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import pandas as pd

from influence_sim.errors import InfluenceSimError
from influence_sim.results.observed import observed

PRIOR_SD = 1.5
"""The prior's sd on each coefficient (an input moving from 0 to 1 changes the log-odds
by at most about 3 with 95% prior probability); the intercept's is twice that."""
Z90 = 1.6448536269514722
"""The normal quantile of a central 90% interval."""
PROBIT_SD = 1.0
"""The prior's sd on a probit coefficient: about :data:`PRIOR_SD` on the logit scale (a
logit coefficient is about 1.6 probit ones)."""
NEWTON_STEPS = 100
Link = Literal["logit", "probit"]


def catalogue() -> pd.DataFrame:
    """The coded record, with the inputs of both models as columns (each in [0, 1])."""
    frame = observed("requests")
    frame["regime"] = frame["trouble"].isin(["regime", "civil_war"]).astype(float)
    frame["abroad"] = frame["p_abroad"].astype(float)
    frame["member"] = frame["member"].astype(float)
    frame["busy"] = frame["lead_busy"].astype(float)
    frame["ally_fighting"] = (frame["neighbour_relation"] == "member_same_alliance").astype(float)
    # The engine's tie to the source: the forces fighting are a fellow member's or a partner's.
    tied = frame["neighbour_relation"].isin(["member_same_alliance", "partner"])
    frame["ties"] = tied.astype(float)
    # The toll's order of magnitude, 0 for none to 1 for 10,000 or more.
    frame["scale"] = np.minimum(1.0, np.log10(1.0 + frame["deaths"].astype(float)) / 4.0)
    frame["troops"] = (frame["answered"] == "accepted").astype(float)
    return frame


@dataclass(frozen=True)
class Side:
    """One side of the decision: who is modelled, on which episodes, from which inputs."""

    name: str
    outcome: str
    inputs: tuple[str, ...]
    among: str | None  # a 0/1 column: only the episodes where it is 1
    link: Link = "logit"
    prior_sd: float = PRIOR_SD

    def data(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The episodes this side is fitted on (those with every input known)."""
        rows = frame if self.among is None else frame[frame[self.among] == 1]
        return rows.dropna(subset=[*self.inputs, self.outcome])


ASK = Side("asks", "asked", ("scale", "abroad", "member", "ally_fighting"), None)
"""Whether a government in trouble asks for outside help: the violence's scale, armed
groups from abroad, membership of the lead's alliance, and whether the fighting is with
a fellow member (whom the alliance cannot be asked to fight)."""
ANSWER = Side("sends troops", "troops", ("regime", "abroad", "member", "busy"), "asked")
"""Whether the lead sends troops when asked: the regime itself threatened (unrest or
civil war, not a border or communal violence), armed groups from abroad, membership,
and whether the lead is at war elsewhere."""
SIDES = (ASK, ANSWER)
ENGINE = Side(
    "the engine's answer", "troops", ("regime", "abroad", "ties"), "asked", "probit", PROBIT_SD
)
"""The engine's rule for a lead's willingness, on the record (``docs/ODD.md``, Requests): a
probit, as the engine draws it, on the inputs the record codes and the engine has: the
regime threatened, armed groups from abroad (the observers' probability), and ties to the
forces fighting (a fellow member's or a partner's). Membership is left to the engine's
commitment, an estimate: on the record it lowers the chance of troops (Georgia 1993, a
non-member, got them; members at war on a border did not), a sign no treaty explains."""


@dataclass(frozen=True)
class Fit:
    """A fitted side: coefficients (intercept first), their sd, and the episodes' probabilities."""

    side: Side
    names: tuple[str, ...]
    coef: np.ndarray
    sd: np.ndarray
    table: pd.DataFrame  # episode, year, outcome, in-sample and out-of-sample probability

    def coefficients(self) -> pd.DataFrame:
        """Each coefficient with its 90% interval (Laplace)."""
        return pd.DataFrame(
            {
                "input": self.names,
                "coefficient": self.coef,
                "low_90": self.coef - Z90 * self.sd,
                "high_90": self.coef + Z90 * self.sd,
            }
        )

    @property
    def right_out_of_sample(self) -> int:
        """Episodes whose out-of-sample probability is on the right side of one half."""
        return int(self.table["right"].sum())


def _design(rows: pd.DataFrame, inputs: tuple[str, ...]) -> np.ndarray:
    return np.column_stack([np.ones(len(rows)), rows[list(inputs)].to_numpy(float)])


def _mode(x: np.ndarray, y: np.ndarray, side: Side) -> tuple[np.ndarray, np.ndarray]:
    """The posterior mode by Fisher scoring, and the inverse of the information there.

    For the logit, Fisher scoring is Newton's method.
    """
    precision = np.full(x.shape[1], 1.0 / side.prior_sd**2)
    precision[0] = 1.0 / (2 * side.prior_sd) ** 2
    beta = np.zeros(x.shape[1])
    for _ in range(NEWTON_STEPS):
        gradient, information = _score(x, y, beta, side.link)
        step = np.linalg.solve(information + np.diag(precision), gradient - precision * beta)
        beta += step
        if np.max(np.abs(step)) < 1e-12:
            break
    _, information = _score(x, y, beta, side.link)
    return beta, np.linalg.inv(information + np.diag(precision))


def _score(
    x: np.ndarray, y: np.ndarray, beta: np.ndarray, link: Link
) -> tuple[np.ndarray, np.ndarray]:
    """The log likelihood's gradient and expected information at ``beta``."""
    z = x @ beta
    p = np.clip(probability(x, beta, link), 1e-15, 1 - 1e-15)
    normal = np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
    slope = p * (1 - p) if link == "logit" else normal  # the link's density at z
    weight = slope / (p * (1 - p))
    return x.T @ ((y - p) * weight), (x * (slope * weight)[:, None]).T @ x


def probability(x: np.ndarray, beta: np.ndarray, link: Link = "logit") -> np.ndarray:
    """The probability of each row of a design matrix: logistic, or the normal's."""
    z = x @ beta
    if link == "logit":
        return 1.0 / (1.0 + np.exp(-z))
    return 0.5 * (1.0 + np.vectorize(math.erf)(z / math.sqrt(2.0)))


def with_prior(side: Side, prior_sd: float) -> Side:
    """The same side under another prior sd (a sensitivity)."""
    return replace(side, prior_sd=prior_sd)


def fit(side: Side, frame: pd.DataFrame | None = None) -> Fit:
    """Fit one side on the record, and predict each episode from the others."""
    rows = side.data(catalogue() if frame is None else frame).reset_index(drop=True)
    x, y = _design(rows, side.inputs), rows[side.outcome].to_numpy(float)
    beta, covariance = _mode(x, y, side)
    inside = probability(x, beta, side.link)
    outside = np.empty(len(rows))
    for i in range(len(rows)):
        keep = np.arange(len(rows)) != i
        others, _ = _mode(x[keep], y[keep], side)
        outside[i] = probability(x[i : i + 1], others, side.link)[0]
    table = pd.DataFrame(
        {
            "episode": rows["episode"],
            "year": rows["year"],
            "happened": y.astype(int),
            "in_sample": inside,
            "out_of_sample": outside,
            "right": (outside > 0.5) == (y == 1),
        }
    )
    names = ("intercept", *side.inputs)
    return Fit(side, names, beta, np.sqrt(np.diag(covariance)), table)


def marginal_effects(fitted: Fit, episode: str) -> pd.DataFrame:
    """How each input moves one episode's probability: each set to 0 and to 1, the rest as coded."""
    rows = catalogue()
    row = rows[rows["episode"] == episode]
    if row.empty:
        raise InfluenceSimError(
            f"no episode '{episode}' in the record; expected one of: " + ", ".join(rows["episode"])
        )
    x = _design(row, fitted.side.inputs)[0]
    link = fitted.side.link
    base = float(probability(x[None, :], fitted.coef, link)[0])
    out = []
    for k, name in enumerate(fitted.side.inputs, start=1):
        at = {}
        for level in (0.0, 1.0):
            moved = x.copy()
            moved[k] = level
            at[level] = float(probability(moved[None, :], fitted.coef, link)[0])
        out.append(
            {"input": name, "coded": x[k], "probability": base, "at_0": at[0.0], "at_1": at[1.0]}
        )
    return pd.DataFrame(out)


def null_side(side: Side) -> Side:
    """The base-rate null: the same episodes, no inputs (the share that asked, or got troops)."""
    return replace(side, name=f"{side.name} (base rate)", inputs=())


def scores(fitted: Fit) -> dict[str, float]:
    """Out-of-sample log score and Brier score (lower is better), and the hits."""
    p = fitted.table["out_of_sample"].clip(1e-12, 1 - 1e-12).to_numpy()
    y = fitted.table["happened"].to_numpy(float)
    return {
        "hits": float(fitted.right_out_of_sample),
        "episodes": float(len(y)),
        "log": float(-(y * np.log(p) + (1 - y) * np.log(1 - p)).mean()),
        "brier": float(((p - y) ** 2).mean()),
    }


UNCODED = (0, 2, 3, 4, 6, 7, 9)
"""The terms of the engine's decision (``engine.state.REASONS``) that the record does not
code: commitment, its investment, a rival's foothold, elite ties, the risk of being
stuck, public hostility, allies watching."""
REFERENCE = "central-asia-2021"
"""The world whose mean of the uncoded terms the engine's intercept leaves out."""


def uncoded_mean(reference: str = REFERENCE, lead: str = "russia") -> float:
    """The mean, over the reference world's requesters, of the terms the record does not code.

    The requesters are the states that can ask the lead on their own: members in good
    standing of a collective-defence alliance it leads (nine of the record's eleven
    requesters were members of the lead's treaty). Each is weighed as the lead would
    weigh a request from it at the start, its unrest at its threshold (where it asks),
    owed the strongest commitment it has from the lead. The record's intercept holds these
    terms at the mean of its episodes; the engine adds them, so its ``willing_base`` is
    the record's intercept less this mean: a requester like the region's average member
    in what the record does not code is answered as the record answers.
    """
    from influence_sim.engine.compile import compile_scenario
    from influence_sim.engine.requests import alliance_commitment_to, weigh
    from influence_sim.format.loading import load_scenario

    compiled = compile_scenario(load_scenario(reference), warn=False)
    state, params = compiled.initial, compiled.params
    p = compiled.powers.index(lead)
    state.unrest[0] = params.unrest_threshold[0]
    commitment = alliance_commitment_to(params, state.membership)[0, p]
    requesters = [s for s in range(params.n_states) if commitment[s] > 0]
    total = 0.0
    for s in requesters:
        terms = weigh(state, params, 0, 0, p, s, float(commitment[s]))
        total += float(terms[list(UNCODED)].sum())
    return total / len(requesters)


def engine_defaults() -> dict[str, float]:
    """The engine's fitted decision parameters, from :data:`ENGINE` on the record."""
    fitted = fit(ENGINE)
    coef = dict(zip(fitted.names, fitted.coef, strict=True))
    return {
        "willing_base": coef["intercept"] - uncoded_mean(),
        "stake_regime": coef["regime"],
        "stake_abroad": coef["abroad"],
        "cost_ties": -coef["ties"],
    }

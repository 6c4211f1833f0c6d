"""Append the shared trade, arms and UN-vote tables to the package's observed series.

    python tools/observed_from_shared.py FOLDER

FOLDER holds the three sourced tables and their notes (``trade-shares.md``,
``alignment-data.md``):

* ``trade-shares.csv``: IMF Direction of Trade Statistics (DOTS) shares for 2015-2020, summed
  from the workbooks of the repository SamLeBlanc/Direction-of-Trade-Map (data/DOTS), the
  partners' mirror values for 2015 from the same workbooks, and national figures from news
  pages;
* ``arms-imports.csv``: SIPRI trend-indicator values (TIV) delivered by supplier and year,
  summed from the trade register re-shipped in lucacasu/Global-Arms-Trade;
* ``unga-agreement.csv``: UN General Assembly vote agreement (votes of the R package
  ``unvotes``) and ideal-point distances (Bailey, Strezhnev and Voeten, July 2025 release).

Written to ``src/influence_sim/data/observed/``: rows appended to ``trade.csv`` and
``arms.csv``, and ``unga.csv`` (created with the same columns). Only the years 2008-2021
are taken; later data is kept out on purpose. Rows already in a file are left as they are
and in place, and a row whose identity (every column but ``value`` and ``note``) is
already there is not written again, so a second run changes nothing.

Trade shares are computed from the unrounded USD million figures each DOTS row quotes in
``source_detail`` (checked against its rounded USD billion columns and its percent).
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

import pandas as pd


class Source(NamedTuple):
    """The columns a group of rows shares: what the value measures and who stands behind it."""

    unit: str
    publisher: str
    table: str
    reported_by: str


COLUMNS = [
    "state",
    "partner",
    "period",
    "value",
    "unit",
    "publisher",
    "table",
    "reported_by",
    "note",
]
IDENTITY = ["state", "partner", "period", "unit", "publisher", "table", "reported_by"]
STATES = ["kazakhstan", "kyrgyzstan", "tajikistan", "turkmenistan", "uzbekistan"]
PARTNERS = ["russia", "china"]
FIRST, LAST = 2008, 2021
OBSERVED = Path(__file__).resolve().parents[1] / "src" / "influence_sim" / "data" / "observed"

TURNOVER = "share of foreign trade turnover"
MIRROR = "share of foreign trade turnover, partner-reported"
IMF = "International Monetary Fund"
DOTS_TABLE = "Direction of Trade Statistics: exports FOB plus imports CIF, as reported by the state"
MIRROR_TABLE = (
    "Direction of Trade Statistics: the partner's exports FOB plus imports CIF, "
    "over the state's reported total"
)
DOTS_BY = (
    "extract in the repository SamLeBlanc/Direction-of-Trade-Map (data/DOTS), "
    "share computed by influence-sim"
)
DOTS = Source(TURNOVER, IMF, DOTS_TABLE, DOTS_BY)
DOTS_MIRROR = Source(MIRROR, IMF, MIRROR_TABLE, DOTS_BY)
PARTNER_NAME = {"china": "China", "russia": "Russia"}
DOTS_DETAIL = re.compile(r"partner = ([\d.]+)\+([\d.]+), total = ([\d.]+)\+([\d.]+)")
MIRROR_DETAIL = re.compile(r"exports FOB to .+? ([\d.]+) \+ imports CIF from it ([\d.]+)")

# The national full-year shares of 2016-2021, by the page each row cites: who published
# the figure, the outlet that reported it, and what a reader should know.
UZ_NOTE = (
    "share as published (one decimal); Statistics Agency turnover includes services, so it "
    "is not comparable with the goods-only IMF DOTS share"
)
NATIONAL = {
    "https://www.gazeta.uz/en/2024/02/09/trade-partners/": (
        "Statistics Agency of Uzbekistan",
        "Gazeta.uz, 9 February 2024, table of the top-10 partners, 2019-2023 "
        "(https://www.gazeta.uz/en/2024/02/09/trade-partners/)",
        UZ_NOTE,
    ),
    "https://www.asiaplustj.info/en/news/tajikistan/economic/20220118/"
    "tajik-minister-tells-what-china-means-for-tajikistan": (
        "Ministry of Economic Development and Trade of Tajikistan",
        "Asia-Plus, 18 January 2022 (https://www.asiaplustj.info/en/news/tajikistan/economic/"
        "20220118/tajik-minister-tells-what-china-means-for-tajikistan)",
        "stated by the Minister of Economic Development and Trade, Zavqi Zavqizoda (ministry "
        "press centre); the page names no statistics office",
    ),
    "https://24.kg/vlast/105675_kubatbek_boronov_tesnyie_otnosheniya_skitaem_vyigodnyi_"
    "bolshe_nam_chemim_/amp": (
        "Government of the Kyrgyz Republic",
        "24.kg, 9 January 2019 (https://24.kg/vlast/105675_kubatbek_boronov_tesnyie_"
        "otnosheniya_skitaem_vyigodnyi_bolshe_nam_chemim_/amp)",
        "rounded ('35 percent'); stated by First Vice Prime Minister Kubatbek Boronov at a "
        "press conference; the page names no statistics office; well above the "
        "Kyrgyz-reported IMF DOTS share for 2017 (0.2547, goods only)",
    ),
}

ARMS_UNIT = "TIV million delivered in year"
SIPRI = "Stockholm International Peace Research Institute"
SIPRI_TABLE = "SIPRI Arms Transfers Database, trade register (TIV delivery values)"
SIPRI_BY = (
    "register extract in the repository lucacasu/Global-Arms-Trade "
    "(russia_trade_decline/trade_2023.csv), summed by influence-sim"
)
SIPRI_TIV = Source(ARMS_UNIT, SIPRI, SIPRI_TABLE, SIPRI_BY)
SHARED_TIV = "SIPRI TIV, millions, delivered in year"

VOETEN = "Erik Voeten"
IDEAL_UNIT = "ideal-point distance"
IDEAL_TABLE = (
    "United Nations General Assembly Ideal Points (Bailey, Strezhnev and Voeten), "
    "idealpointfp, version 28 July 2025"
)
IDEAL_BY = (
    "extract in the repository lucasbuildsapps/Masterthesis (IdealpointsJuly2025.dta), "
    "distance computed by influence-sim"
)
AGREE_UNIT = "share of roll calls voted alike"
AGREE_TABLE = "United Nations General Assembly roll-call votes (UNVotes2021, Harvard Dataverse)"
AGREE_BY = "the R package unvotes (repository dgrtwo/unvotes), agreement computed by influence-sim"
AGREE_LAST = 2019
IDEAL = Source(IDEAL_UNIT, VOETEN, IDEAL_TABLE, IDEAL_BY)
AGREE = Source(AGREE_UNIT, VOETEN, AGREE_TABLE, AGREE_BY)


def number(value: float, digits: int) -> str:
    """A value rounded to ``digits`` decimals, without trailing zeros (0.1380 is 0.138)."""
    text = f"{round(value, digits):.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def row(
    state: str, partner: str, year: int, value: str, source: Source, note: str = ""
) -> dict[str, str]:
    """One observed row, its period the calendar year."""
    return {
        "state": state,
        "partner": partner,
        "period": str(year),
        "value": value,
        **source._asdict(),
        "note": note,
    }


def check(condition: bool, problem: str) -> None:
    """Stop on a shared table that does not say what its notes promise.

    Raises:
        ValueError: When ``condition`` is false.
    """
    if not condition:
        raise ValueError(problem)


def caveat(state: str, reporter: str) -> str:
    """What a DOTS figure for the state rests on, when not on the state's own report."""
    if state == "turkmenistan" or "partner-derived" in reporter:
        return (
            "IMF estimate: Turkmenistan does not report to the IMF, its DOTS figures are "
            "partner-reported flows adjusted by a fixed 6% CIF/FOB factor"
        )
    if "extrapolation" in reporter:
        return (
            "IMF extrapolation: every partner row scaled by the same ratio as the year "
            "before, not reported data"
        )
    return ""


def dots_rows(
    trade: pd.DataFrame,
) -> tuple[list[dict[str, str]], dict[tuple[str, str, int], float]]:
    """The state-reported DOTS shares, and each state-year's world total in USD million."""
    rows, totals = [], {}
    dots = trade[trade["reporter"].str.startswith("imf-dots")]
    for item in dots.sort_values(["state", "partner", "year"]).itertuples():
        found = DOTS_DETAIL.search(item.source_detail)
        if found is None:
            raise ValueError(f"no USD million figures in {item.source_detail!r}")
        exports, imports, world_x, world_m = (float(x) for x in found.groups())
        partner, world = exports + imports, world_x + world_m
        # the unrounded figures must agree with the rounded columns and the percent
        check(
            abs(partner - 1000 * item.partner_value_usd_bn) <= 0.51
            and abs(world - 1000 * item.total_value_usd_bn) <= 0.51
            and abs(100 * partner / world - item.share_percent) <= 0.051,
            f"USD million figures disagree with the row's rounded ones: {item}",
        )
        totals[item.state, item.partner, item.year] = world
        note = (
            f"{PARTNER_NAME[item.partner]} USD {partner:.1f} million (exports {exports:.1f} + "
            f"imports {imports:.1f}); world USD {world:.1f} million (exports {world_x:.1f} + "
            f"imports {world_m:.1f}); goods only"
        )
        extra = caveat(item.state, item.reporter)
        note = f"{note}; {extra}" if extra else note
        rows.append(
            row(item.state, item.partner, item.year, number(partner / world, 4), DOTS, note)
        )
    return rows, totals


def mirror_rows(
    trade: pd.DataFrame, totals: dict[tuple[str, str, int], float]
) -> list[dict[str, str]]:
    """The partner's own DOTS turnover with the state over the state's reported total."""
    rows = []
    mirror = trade[
        trade["reporter"].str.startswith("mirror:") & trade["reporter"].str.contains("imf-dots")
    ]
    for item in mirror.sort_values(["state", "partner", "year"]).itertuples():
        world = totals.get((item.state, item.partner, item.year))
        if world is None:
            continue
        found = MIRROR_DETAIL.search(item.source_detail)
        if found is None:
            raise ValueError(f"no USD million figures in {item.source_detail!r}")
        exports, imports = (float(x) for x in found.groups())
        value = exports + imports
        check(
            abs(value - 1000 * item.partner_value_usd_bn) <= 0.51,
            f"USD million figures disagree with the row's rounded one: {item}",
        )
        name = PARTNER_NAME[item.partner]
        note = (
            f"computed by influence-sim: {name}-reported USD {value:.1f} million ({name}'s "
            f"exports FOB to the state {exports:.1f} + its imports CIF from it {imports:.1f}) "
            f"over the state's DOTS world total USD {world:.1f} million; two statistical bases "
            "in one ratio, so read it beside the state-reported share, not as a share of a "
            "consistent total"
        )
        if item.state == "turkmenistan":
            note += "; Turkmenistan's total is itself an IMF partner-derived estimate"
        elif item.state == "uzbekistan" and item.year == 2015:
            note += "; Uzbekistan's 2015 total is an IMF extrapolation"
        rows.append(
            row(item.state, item.partner, item.year, number(value / world, 4), DOTS_MIRROR, note)
        )
    return rows


def national_rows(trade: pd.DataFrame) -> list[dict[str, str]]:
    """National full-year turnover shares of 2016-2021 (no partial years, no flows alone)."""
    chosen = trade[
        (trade["reporter"] == "national")
        & (trade["flow"] == "turnover")
        & (trade["period"] == "year")
        & trade["year"].between(2016, LAST)
        & trade["share_percent"].notna()
    ]
    rows = []
    for item in chosen.sort_values(["state", "partner", "year"]).itertuples():
        if item.source not in NATIONAL:
            raise ValueError(f"no publisher known for {item.source}; add it to NATIONAL")
        publisher, reported_by, note = NATIONAL[item.source]
        source = Source(TURNOVER, publisher, "foreign trade turnover by country", reported_by)
        value = number(item.share_percent / 100, 4)
        rows.append(row(item.state, item.partner, item.year, value, source, note))
    return rows


def trade_rows(folder: Path) -> list[dict[str, str]]:
    """The rows for ``trade.csv``: DOTS state-reported, DOTS partner-reported, national."""
    trade = pd.read_csv(folder / "trade-shares.csv")
    trade = trade[
        trade["state"].isin(STATES)
        & trade["partner"].isin(PARTNERS)
        & trade["year"].between(FIRST, LAST)
    ]
    dots, totals = dots_rows(trade)
    return dots + mirror_rows(trade, totals) + national_rows(trade)


def arms_rows(folder: Path) -> list[dict[str, str]]:
    """TIV delivered by Russia, China and all suppliers, each state and year.

    Zero where the register lists no delivery from the supplier in the year: the shared
    table writes an ``all suppliers`` row for every state-year (0 for none at all) but a
    supplier's row only for a delivery.
    """
    arms = pd.read_csv(folder / "arms-imports.csv", dtype={"year_or_period": str})
    arms = arms[(arms["unit"] == SHARED_TIV) & arms["year_or_period"].str.fullmatch(r"\d{4}")]
    arms = arms.assign(year=arms["year_or_period"].astype(int))
    tiv = arms.set_index(["state", "supplier", "year"])["tiv_or_share"].astype(float)
    if not tiv.index.is_unique:
        raise ValueError("more than one yearly TIV row for a state, supplier and year")
    rows = []
    for state in STATES:
        for partner, supplier in (
            ("russia", "russia"),
            ("china", "china"),
            ("all", "all suppliers"),
        ):
            for year in range(FIRST, LAST + 1):
                if (state, "all suppliers", year) not in tiv.index:
                    raise ValueError(f"no all-suppliers row for {state} {year}")
                value = float(tiv.get((state, supplier, year), 0.0))
                note = ""
                if value == 0:
                    who = "any supplier" if partner == "all" else PARTNER_NAME[partner]
                    note = f"the register lists no delivery from {who} in the year"
                elif partner == "all":
                    note = "all suppliers"
                rows.append(row(state, partner, year, number(value, 2), SIPRI_TIV, note))
    return rows


def unga_rows(folder: Path) -> list[dict[str, str]]:
    """Ideal-point distances (2008-2021) and vote agreement (2008-2019), missing ones skipped."""
    unga = pd.read_csv(folder / "unga-agreement.csv")
    unga = unga[
        unga["state"].isin(STATES)
        & unga["partner"].isin(PARTNERS)
        & unga["year"].between(FIRST, LAST)
    ]
    rows = []
    for item in unga.sort_values(["state", "partner", "year"]).itertuples():
        if pd.notna(item.ideal_point_distance):
            note = "|idealpointfp(state) - idealpointfp(partner)|; larger is further apart"
            rows.append(
                row(
                    item.state,
                    item.partner,
                    item.year,
                    number(item.ideal_point_distance, 4),
                    IDEAL,
                    note,
                )
            )
    for item in unga.sort_values(["state", "partner", "year"]).itertuples():
        if item.year <= AGREE_LAST and pd.notna(item.agreement_3way):
            note = (
                f"n_votes {int(item.n_votes)}: roll calls of the year on which both voted yes, "
                "no or abstain; the same vote counts as alike (absences are not in the data)"
            )
            rows.append(
                row(
                    item.state, item.partner, item.year, number(item.agreement_3way, 4), AGREE, note
                )
            )
    return rows


def append(path: Path, rows: Iterable[dict[str, str]]) -> list[dict[str, str]]:
    """Append the rows not already in the file (by identity); return those written.

    Existing rows are neither rewritten nor moved: new ones go after them. A row whose
    identity is there with another value is reported and not written.
    """
    new = pd.DataFrame(list(rows), columns=COLUMNS)
    if new.duplicated(IDENTITY).any():
        raise ValueError(f"two new rows for {path.name} share an identity")
    if path.exists():
        old = pd.read_csv(path, dtype=str, keep_default_na=False)
        if list(old.columns) != COLUMNS:
            raise ValueError(f"{path} has columns {list(old.columns)}, expected {COLUMNS}")
        known = dict(zip(map(tuple, old[IDENTITY].to_numpy()), old["value"], strict=True))
        text = path.read_text()
        if text and not text.endswith("\n"):
            raise ValueError(f"{path} does not end with a newline")
    else:
        known = {}
    keys = [tuple(x) for x in new[IDENTITY].to_numpy()]
    for key, value in zip(keys, new["value"], strict=True):
        if key in known and float(known[key]) != float(value):
            print(f"{path.name}: kept {known[key]} for {key[:4]} (this table gives {value})")
    fresh = new[[key not in known for key in keys]]
    if len(fresh):
        fresh.to_csv(path, mode="a", header=not path.exists(), index=False, lineterminator="\n")
    return fresh.to_dict("records")


def main(argv: list[str] | None = None) -> None:
    """Read the three shared tables from the folder given and append to the series."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="the folder holding the three shared tables")
    parser.add_argument(
        "--observed", type=Path, default=OBSERVED, help="the observed series' folder"
    )
    args = parser.parse_args(argv)
    for name, rows in (
        ("trade.csv", trade_rows(args.folder)),
        ("arms.csv", arms_rows(args.folder)),
        ("unga.csv", unga_rows(args.folder)),
    ):
        if any(int(r["period"][:4]) > LAST for r in rows):
            raise ValueError("a row after 2021")
        written = append(args.observed / name, rows)
        counts = Counter(r["unit"] for r in written)
        detail = ", ".join(f"{n} '{unit}'" for unit, n in counts.items()) or "nothing new"
        print(f"{name}: {len(written)} rows appended ({detail})")


if __name__ == "__main__":
    main()

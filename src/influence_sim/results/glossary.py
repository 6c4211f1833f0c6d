"""The words a class meets on every figure and page, in one place.

The guide and the dashboard show the same glossary (a test holds them equal).
"""

from __future__ import annotations

GLOSSARY = (
    ("step", "one tick of the model's clock: a week in the bundled scenarios."),
    (
        "replication",
        "one run of the scenario with its own random events (who protests, whether Russia "
        "says yes); a figure shows many at once, 50 by default.",
    ),
    ("median", "the middle replication's value: half the runs above, half below (the line)."),
    (
        "band",
        "the shaded area: from the 10th to the 90th percentile, so eight runs in ten fall "
        "inside it.",
    ),
    (
        "alignment",
        "the share of a state's needs met by each power, security and economy weighed "
        "equally; 'self' is what it keeps for itself.",
    ),
    (
        "reliance",
        "the same, in one domain: security (troops, arms, police) or the economy (trade, "
        "remittances, investment, loans).",
    ),
)
"""Each term and what it means, in the order a first reader needs them."""


def glossary_markdown() -> str:
    """The glossary as a Markdown list: ``- **step**: one tick of ...``."""
    return "\n".join(f"- **{term}**: {meaning}" for term, meaning in GLOSSARY)

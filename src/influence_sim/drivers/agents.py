"""Mesa agents: views of the kernel's arrays for one replication.

Agents hold no dynamics of their own; their attributes read the model's kernel
state, so the dashboard, Mesa's DataCollector and students see real agents whose
values are exactly those of the kernel.
"""

from __future__ import annotations

from typing import Protocol

import mesa

from influence_sim.engine.kernel import ECONOMY, SECURITY, Params, State, alignment_of
from influence_sim.engine.state import FROZEN, MEMBER

STANDING = {MEMBER: "member", FROZEN: "frozen"}
"""A state's standing in an alliance, in words (anything else: ``out``)."""


class KernelModel(Protocol):
    """What an agent reads of its model: one replication's kernel state and the names.

    ``InfluenceModel`` is one; agents need nothing else of it, so this module does not
    import the model's (no cycle between them).
    """

    state: State
    params: Params
    options: list[str]
    powers: list[str]
    state_keys: list[str]
    alliances: list[str]


class _View(mesa.Agent):
    """An agent that is a view of one entry of the kernel's arrays."""

    model: KernelModel

    def __init__(self, model: KernelModel, key: str, title: str, index: int) -> None:
        super().__init__(model)
        self.key, self.title, self.index = key, title, index


class StateAgent(_View):
    """A small state: its government's reliance, its public's opinion, its unrest.

    Attributes:
        key: The state's id in the scenario (``kazakhstan``).
        title: Its display name.
        index: Its index on the kernel's state axis.
    """

    @property
    def unrest(self) -> float:
        """Unrest in [0, 1]."""
        return float(self.model.state.unrest[0, self.index])

    @property
    def security_salience(self) -> float:
        """The weight of security against the economy, in [0, 1]."""
        return float(self.model.state.salience[0, self.index])

    @property
    def external_threat(self) -> float:
        """The external threat, in [0, 1]."""
        return float(self.model.state.threat[0, self.index])

    @property
    def economic_distress(self) -> float:
        """Economic distress this step (income lost through cuts and remittances), in [0, 1]."""
        return float(self.model.state.distress[0, self.index])

    def reliance(self, domain: str) -> dict[str, float]:
        """Reliance per power and ``self`` in ``security`` or ``economy``."""
        d = SECURITY if domain == "security" else ECONOMY
        row = self.model.state.reliance[0, d, self.index]
        return dict(zip(self.model.options, map(float, row), strict=True))

    @property
    def alignment(self) -> dict[str, float]:
        """Overall alignment per power and ``self``: reliance at security's fixed weight."""
        i, state = self.index, self.model.state
        weight = self.model.params.alignment_weight[0, i : i + 1]
        row = alignment_of(state.reliance[0, :, i : i + 1], weight)[0]
        return dict(zip(self.model.options, map(float, row), strict=True))

    @property
    def opinion(self) -> dict[str, float]:
        """Public favourability of each power, in [-1, 1]."""
        row = self.model.state.opinion[0, self.index]
        return dict(zip(self.model.powers, map(float, row), strict=True))

    @property
    def memberships(self) -> dict[str, str]:
        """Its standing in each alliance: ``member``, ``frozen`` or ``out``."""
        row = self.model.state.membership[0, :, self.index]
        words = [STANDING.get(int(code), "out") for code in row]
        return dict(zip(self.model.alliances, words, strict=True))


class PowerAgent(_View):
    """A great power: credibility, posture, troops, and its economic ties with each state.

    Attributes:
        key: The power's id in the scenario (``russia``).
        title: Its display name.
        index: Its index on the kernel's power axis.
    """

    def _by_state(self, name: str) -> dict[str, float]:
        row = getattr(self.model.state, name)[0, self.index]
        return dict(zip(self.model.state_keys, map(float, row), strict=True))

    @property
    def credibility(self) -> dict[str, float]:
        """Credibility as each state perceives it."""
        return self._by_state("credibility")

    @property
    def posture(self) -> dict[str, float]:
        """Security assistance in place in each state."""
        return self._by_state("posture")

    @property
    def deployed(self) -> dict[str, float]:
        """Troops deployed in each state (share of the power's force)."""
        return self._by_state("deployed")

    @property
    def investment(self) -> dict[str, float]:
        """Investment stock in each state, USD billion."""
        return self._by_state("investment")

    @property
    def trade(self) -> dict[str, float]:
        """The power's share of each state's foreign trade."""
        return self._by_state("trade")

    @property
    def remittances(self) -> dict[str, float]:
        """Remittances from the power, as a share of each state's GDP."""
        return self._by_state("remittances")

    @property
    def debt(self) -> dict[str, float]:
        """Each state's public debt to the power, as a share of its GDP."""
        return self._by_state("debt")

    @property
    def security_capacity(self) -> float:
        """Security capacity, in [0, 1]."""
        return float(self.model.state.capacity[0, self.index])

    @property
    def economic_capacity(self) -> float:
        """Economic capacity, in [0, 1]."""
        return float(self.model.state.econ[0, self.index])

    @property
    def host_economy(self) -> float:
        """The power's host-economy index (1 = as at the start)."""
        return float(self.model.state.host[0, self.index])

    @property
    def mean_credibility(self) -> float:
        """Credibility averaged over the states."""
        return float(self.model.state.credibility[0, self.index].mean())

    @property
    def mean_posture(self) -> float:
        """Posture averaged over the states."""
        return float(self.model.state.posture[0, self.index].mean())

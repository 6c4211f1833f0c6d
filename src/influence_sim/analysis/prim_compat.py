"""EMA Workbench 2.5's PRIM with pandas 3: ``box.inspect()`` on a categorical uncertainty.

EMA Workbench 2.5 (the newest for Python 3.11) fills a box's limits into a table of
floats; a categorical uncertainty's limits are a set of levels, which pandas 2 upcast
silently and pandas 3 refuses ("Invalid value '{'never'}' for dtype 'float64'"). The
same method with a table of objects is put in its place, once, where those two versions
meet; EMA Workbench 3 (Python 3.12) builds the table itself and is left alone.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

_PATCHED = "_influence_sim_object_limits"


def needed(ema_version: str, pandas_version: str) -> bool:
    """Whether this EMA Workbench and pandas need the fix (2.x with pandas 3 or later)."""
    return int(ema_version.split(".")[0]) < 3 and int(pandas_version.split(".")[0]) >= 3


def patch_prim() -> None:
    """Make ``PrimBox.inspect`` work on categorical uncertainties; idempotent."""
    import ema_workbench
    from ema_workbench.analysis import prim

    box = prim.PrimBox
    if getattr(box, _PATCHED, False) or not needed(ema_workbench.__version__, pd.__version__):
        return
    box._inspect_data = _inspect_data
    setattr(box, _PATCHED, True)


def _inspect_data(self: Any, i: int, uncs: Any, qp_values: Any) -> tuple[Any, pd.DataFrame]:
    """EMA Workbench 2.5's ``PrimBox._inspect_data``, with a table that holds any limit."""
    stats = self.peeling_trajectory.iloc[i]
    columns = pd.MultiIndex.from_product([[f"box {i}"], ["min", "max", "qp value", "qp value"]])
    box_lim = pd.DataFrame(np.zeros((len(uncs), 4)), index=uncs, columns=columns).astype(object)
    for unc in uncs:
        values = self.box_lims[i][unc]
        box_lim.loc[unc] = values.values.tolist() + qp_values[unc]
        box_lim.iloc[:, 2::] = box_lim.iloc[:, 2::].replace(-1, np.nan)
    return stats, box_lim

"""The EMA Workbench connector (``influence_sim.experiments.emaconnector``).

``ema_model`` builds an EMA ``Model`` of a scenario; ``BatchEvaluator`` runs
``perform_experiments``' experiments as one sweep through the ensemble. Needs the
``discovery`` extra: ``pip install 'influence-sim[discovery]'``.
"""

from influence_sim.experiments.emaconnector import BatchEvaluator, ema_model

__all__ = ["BatchEvaluator", "ema_model"]

"""Connectors to other tools: the EMA Workbench (``integrations.ema``, the ``discovery`` extra)."""

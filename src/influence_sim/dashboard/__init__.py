"""The Solara dashboard over ``InfluenceModel`` (``influence-sim dashboard``)."""

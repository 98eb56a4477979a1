"""plangraph: a city's action plan as a validated, linked open-data knowledge graph."""

__version__ = "0.1.0"

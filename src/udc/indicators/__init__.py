"""Indicators: declarative definitions (YAML, JSON Schema), computed per area and year from protected counts with an
interval. ``model`` reads and checks definitions, ``compute`` runs them through the disclosure gate."""

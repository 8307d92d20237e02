"""Synthetic demo data: the embedded default, because real microdata can never ship."""

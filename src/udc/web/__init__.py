"""The web app and JSON API (``udc serve``): dashboards, area profiles, flows, table builder, open data."""

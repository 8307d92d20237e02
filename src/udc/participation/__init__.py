"""Participation: residents' reports about public space (Open311 GeoReport v2), announcements and quick questions
per buurt — kept in the operational database (SQLite by default, PostgreSQL by URL), apart from the analytical store,
and turned into neighbourhood figures only through the gate's rules."""

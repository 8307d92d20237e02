"""Residents' reports and announcements — planned; nothing here yet."""

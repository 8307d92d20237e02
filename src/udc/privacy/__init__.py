"""Roles, audit log and the disclosure gate — planned in issue 5; nothing here yet."""

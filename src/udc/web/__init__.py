"""Web app and API — planned in issue 7; nothing here yet."""

"""CBS StatLine (OData v3/v4, offline packages) and municipal files — planned in issue 4; nothing here yet."""

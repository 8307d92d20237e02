"""Getting data in: CBS StatLine (OData v3/v4, online and offline), municipal files and databases, and linking."""

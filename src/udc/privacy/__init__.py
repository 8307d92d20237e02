"""Privacy: keyed pseudonyms now; roles, audit log and the disclosure gate follow (issue 5)."""

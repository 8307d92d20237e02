"""Privacy: typed table requests, the disclosure gate (rules, cell key, secondary suppression), the versioned policy,
users/roles/scopes/tokens/sessions, the keyed audit chain, exports by sensitivity, and keyed pseudonyms."""

-- Disclosure policies, one row per version (udc.privacy.policy).
CREATE TABLE IF NOT EXISTS disclosure_policies (
    version    INTEGER PRIMARY KEY,
    policy     VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);

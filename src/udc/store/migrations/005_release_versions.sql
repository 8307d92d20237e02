-- Every version of a release: re-releasing a name adds a version, older ones stay readable (udc.store.catalogue).
CREATE TABLE release_versions (
    name            VARCHAR NOT NULL,
    version         INTEGER NOT NULL,
    table_name      VARCHAR NOT NULL,
    title           VARCHAR,
    created_at      TIMESTAMP NOT NULL DEFAULT current_timestamp,
    released_by     VARCHAR,
    policy_version  INTEGER,
    definition_hash VARCHAR,
    row_count       BIGINT,
    columns         VARCHAR,
    replaced_shape  BOOLEAN DEFAULT false,
    PRIMARY KEY (name, version)
);
INSERT INTO release_versions (name, version, table_name, title, created_at, released_by, policy_version)
SELECT name, 1, table_name, title, created_at, json_extract_string(provenance, '$.released_by'),
       TRY_CAST(json_extract_string(protection, '$.policy_version') AS INTEGER)
FROM datasets WHERE released;

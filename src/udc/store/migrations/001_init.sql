-- Catalogue of datasets: every table that enters the store is described here.
CREATE TABLE datasets (
    name          VARCHAR PRIMARY KEY,
    title         VARCHAR NOT NULL,
    source        VARCHAR NOT NULL,
    licence       VARCHAR,
    retrieved_at  TIMESTAMP,
    period_start  VARCHAR,
    period_end    VARCHAR,
    area_coverage VARCHAR,
    sensitivity   VARCHAR NOT NULL CHECK (sensitivity IN ('open', 'internal', 'microdata')),
    table_name    VARCHAR,
    provenance    VARCHAR,
    created_at    TIMESTAMP NOT NULL DEFAULT current_timestamp
);

-- Area versions: one row per code per validity interval [valid_from, valid_to).
CREATE TABLE areas (
    code        VARCHAR NOT NULL,
    kind        VARCHAR NOT NULL,
    name        VARCHAR NOT NULL,
    valid_from  DATE NOT NULL,
    valid_to    DATE,
    parent_code VARCHAR,
    source      VARCHAR,
    PRIMARY KEY (code, valid_from)
);

-- Boundary changes as CBS describes them: a part of `from_code` went to `to_code` on `change_date`.
-- from_code = to_code records the part that stayed (CBS lists it for a "gemeentelijke herindeling").
CREATE TABLE area_changes (
    change_date DATE NOT NULL,
    from_code   VARCHAR NOT NULL,
    to_code     VARCHAR NOT NULL,
    change_kind VARCHAR NOT NULL,
    hectare     DOUBLE,
    woningen    DOUBLE,
    inwoners    DOUBLE,
    source      VARCHAR,
    PRIMARY KEY (change_date, from_code, to_code)
);

-- Totals per area and year, needed to turn a partial boundary change into a fraction.
CREATE TABLE area_sizes (
    code     VARCHAR NOT NULL,
    year     INTEGER NOT NULL,
    inwoners DOUBLE,
    woningen DOUBLE,
    hectare  DOUBLE,
    source   VARCHAR,
    PRIMARY KEY (code, year)
);

-- Geometry in WGS84 as WKB; `simplified` is the web version (shared borders simplified together).
CREATE TABLE geometries (
    code       VARCHAR NOT NULL,
    year       INTEGER NOT NULL,
    kind       VARCHAR NOT NULL,
    geometry   BLOB NOT NULL,
    simplified BLOB NOT NULL,
    repaired   VARCHAR,
    source     VARCHAR,
    PRIMARY KEY (code, year)
);

-- Which areas of one kind share a border in a given year (rook contiguity, length in metres).
CREATE TABLE adjacency (
    year          INTEGER NOT NULL,
    kind          VARCHAR NOT NULL,
    code_a        VARCHAR NOT NULL,
    code_b        VARCHAR NOT NULL,
    shared_border DOUBLE NOT NULL,
    PRIMARY KEY (year, code_a, code_b)
);

-- User-defined regions (e.g. Parkstad Limburg) as sets of member areas.
CREATE TABLE regions (
    name       VARCHAR PRIMARY KEY,
    title      VARCHAR,
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);
CREATE TABLE region_members (
    region      VARCHAR NOT NULL,
    member_code VARCHAR NOT NULL,
    PRIMARY KEY (region, member_code)
);

-- Column metadata (role: area, period, dimension, value, label, symbol, key; unit and decimals from the source)
CREATE TABLE dataset_columns (
    dataset     VARCHAR NOT NULL,
    position    INTEGER NOT NULL,
    name        VARCHAR NOT NULL,
    role        VARCHAR,
    title       VARCHAR,
    unit        VARCHAR,
    decimals    INTEGER,
    description VARCHAR,
    PRIMARY KEY (dataset, name)
);

-- Lineage: which catalogued datasets a derived dataset was made from.
CREATE TABLE dataset_inputs (
    dataset VARCHAR NOT NULL,
    input   VARCHAR NOT NULL,
    PRIMARY KEY (dataset, input)
);

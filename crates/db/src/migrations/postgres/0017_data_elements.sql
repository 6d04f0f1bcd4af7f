-- The data-element registry (数据元与代码集): the code sets and data elements the operator
-- adds beside the national ones shipped with the program, and the labels each resource's
-- source uses for an item's codes (男 → 1), applied when data is collected.
CREATE TABLE quality_code_sets (
    id TEXT PRIMARY KEY,
    standard TEXT NOT NULL,
    name TEXT NOT NULL,
    name_en TEXT NOT NULL,
    codes TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE quality_elements (
    identifier TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    name_en TEXT NOT NULL,
    definition TEXT NOT NULL,
    item_type TEXT NOT NULL,
    length BIGINT,
    code_set TEXT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE value_mappings (
    resource TEXT NOT NULL REFERENCES resources(code),
    item TEXT NOT NULL,
    labels TEXT NOT NULL,
    set_by TEXT NOT NULL,
    set_at BIGINT NOT NULL,
    PRIMARY KEY (resource, item)
);

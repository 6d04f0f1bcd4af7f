-- 一数一源: the operator names one authoritative resource per data element and kind of
-- subject (person, company, other); other departments' resources collecting the element are
-- flagged as duplicate collection.
CREATE TABLE element_sources (
    element TEXT NOT NULL,
    subject_kind TEXT NOT NULL,
    resource TEXT NOT NULL REFERENCES resources(code),
    set_by TEXT NOT NULL,
    set_at BIGINT NOT NULL,
    PRIMARY KEY (element, subject_kind)
);

-- Identified data subjects (citizens, company representatives): accounts with no role, linked
-- to the keyed hash of their ID number or credit code. The identifier itself is never stored.
CREATE TABLE subject_identities (
    username TEXT PRIMARY KEY REFERENCES accounts(username),
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    verified_by TEXT NOT NULL,
    verified_at BIGINT NOT NULL
);
CREATE INDEX subject_identities_subject ON subject_identities(subject);

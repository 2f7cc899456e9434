-- Who a person is (issue 23), kept apart from the statistical records and sealed: every
-- known field is encrypted (XChaCha20-Poly1305) under the person's own key, and that key
-- is wrapped under the master key kept outside the database. Values here are hex digits of
-- ciphertext; no identity value is stored in plain text. Erasure (crypto-shredding) sets
-- `wrapped_key` and the fields to NULL and removes the person's blind-index entries; the
-- person's records stay, so the statistics do not change.
CREATE TABLE persons (
    person_ref      TEXT PRIMARY KEY NOT NULL,
    wrapped_key     TEXT,
    full_name       TEXT,
    other_names     TEXT,
    birth_date      TEXT,
    phone           TEXT,
    document_number TEXT,
    language        TEXT,
    contact         TEXT,
    -- A keyed hash of the whole identity: an import of the same identity is "unchanged".
    fingerprint     TEXT,
    version         INTEGER NOT NULL,
    updated_at      TEXT NOT NULL,
    erased_at       TEXT,
    -- A legal hold keeps the person from erasure; the stated reason.
    legal_hold      TEXT
);

-- The blind index: keyed hashes (HMAC-SHA256 under a key derived from the master key) of
-- normalised name + birth date, document numbers and names, to find repeat victims and
-- search by name without decrypting the table.
CREATE TABLE person_index (
    hash       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    person_ref TEXT NOT NULL REFERENCES persons (person_ref) ON DELETE CASCADE,
    PRIMARY KEY (hash, person_ref)
);
CREATE INDEX person_index_person ON person_index (person_ref);

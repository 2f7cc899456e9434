-- Published editions kept as records (`spor release publish`): what was published, from
-- which state of the register, by whom and when, with every rendered file as published.
-- Immutable once written: triggers refuse any change or removal.
CREATE TABLE releases (
    id              INTEGER PRIMARY KEY NOT NULL,
    year            INTEGER NOT NULL,
    -- internal | public
    profile         TEXT NOT NULL,
    published_at    TEXT NOT NULL,
    published_by    TEXT NOT NULL,
    -- The register's last_change when the figures were computed (NULL: never changed).
    register_change TEXT,
    -- The disclosure policy of a public release, as JSON (NULL: internal).
    policy          TEXT,
    -- The release manifest as JSON: the files with their SHA-256 (and, public, the cells).
    manifest        TEXT NOT NULL
);
CREATE INDEX releases_year ON releases (year, profile);

-- Every file of a release as published; `content` is base64 of its bytes.
CREATE TABLE release_files (
    release_id INTEGER NOT NULL REFERENCES releases (id),
    name       TEXT NOT NULL,
    format     TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    content    TEXT NOT NULL,
    PRIMARY KEY (release_id, name)
);

CREATE TRIGGER releases_no_update BEFORE UPDATE ON releases
BEGIN SELECT RAISE(ABORT, 'a published release is immutable'); END;
CREATE TRIGGER releases_no_delete BEFORE DELETE ON releases
BEGIN SELECT RAISE(ABORT, 'a published release is immutable'); END;
CREATE TRIGGER release_files_no_update BEFORE UPDATE ON release_files
BEGIN SELECT RAISE(ABORT, 'a published release is immutable'); END;
CREATE TRIGGER release_files_no_delete BEFORE DELETE ON release_files
BEGIN SELECT RAISE(ABORT, 'a published release is immutable'); END;

-- Published editions kept as records (`spor release publish`), as in migrations/sqlite
-- with the same names. Immutable once written: triggers refuse UPDATE, DELETE and TRUNCATE.
CREATE TABLE releases (
    id              BIGINT PRIMARY KEY NOT NULL,
    year            BIGINT NOT NULL,
    profile         TEXT COLLATE "C" NOT NULL,
    published_at    TEXT COLLATE "C" NOT NULL,
    published_by    TEXT COLLATE "C" NOT NULL,
    register_change TEXT COLLATE "C",
    policy          TEXT,
    manifest        TEXT NOT NULL
);
CREATE INDEX releases_year ON releases (year, profile);

CREATE TABLE release_files (
    release_id BIGINT NOT NULL REFERENCES releases (id),
    name       TEXT COLLATE "C" NOT NULL,
    format     TEXT COLLATE "C" NOT NULL,
    sha256     TEXT NOT NULL,
    content    TEXT NOT NULL,
    PRIMARY KEY (release_id, name)
);

CREATE FUNCTION releases_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a published release is immutable';
END
$$;
CREATE TRIGGER releases_no_change BEFORE UPDATE OR DELETE ON releases
    FOR EACH ROW EXECUTE FUNCTION releases_immutable();
CREATE TRIGGER releases_no_truncate BEFORE TRUNCATE ON releases
    FOR EACH STATEMENT EXECUTE FUNCTION releases_immutable();
CREATE TRIGGER release_files_no_change BEFORE UPDATE OR DELETE ON release_files
    FOR EACH ROW EXECUTE FUNCTION releases_immutable();
CREATE TRIGGER release_files_no_truncate BEFORE TRUNCATE ON release_files
    FOR EACH STATEMENT EXECUTE FUNCTION releases_immutable();

-- The web application: accounts, sessions, the audit trail and the change history of
-- records edited in forms, as in migrations/sqlite with the same names. Timestamps are
-- RFC 3339 text in UTC with microseconds (they sort as text), integers BIGINT.
CREATE TABLE users (
    name          TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    -- Comma-separated roles: caseworker, analyst, admin.
    roles         TEXT COLLATE "C" NOT NULL,
    -- Argon2id PHC string; the password itself is never stored.
    password_hash TEXT NOT NULL,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    failed_logins BIGINT NOT NULL DEFAULT 0,
    locked_until  TEXT COLLATE "C",
    created_at    TEXT COLLATE "C" NOT NULL,
    updated_at    TEXT COLLATE "C" NOT NULL
);

CREATE TABLE sessions (
    -- SHA-256 of the cookie value: a stolen database does not yield live cookies.
    id_hash      TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    user_name    TEXT COLLATE "C" NOT NULL REFERENCES users (name),
    csrf_token   TEXT NOT NULL,
    created_at   TEXT COLLATE "C" NOT NULL,
    last_seen_at TEXT COLLATE "C" NOT NULL,
    -- The absolute end of the session, whatever the activity.
    expires_at   TEXT COLLATE "C" NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_name);

-- Append-only and hash-chained: hash = SHA-256(prev_hash || canonical content).
CREATE TABLE audit_events (
    seq       BIGINT PRIMARY KEY NOT NULL,
    at        TEXT COLLATE "C" NOT NULL,
    code      TEXT COLLATE "C" NOT NULL,
    actor     TEXT COLLATE "C",
    target    TEXT COLLATE "C",
    address   TEXT COLLATE "C",
    detail    TEXT COLLATE "C",
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
CREATE INDEX audit_events_at ON audit_events (at);
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only';
END
$$;
CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();

-- Who changed which record when; `fields` is JSON {field: [before, after]}.
CREATE TABLE record_changes (
    entity     TEXT COLLATE "C" NOT NULL,
    record_ref TEXT COLLATE "C" NOT NULL,
    version    BIGINT NOT NULL,
    action     TEXT COLLATE "C" NOT NULL,
    actor      TEXT COLLATE "C" NOT NULL,
    at         TEXT COLLATE "C" NOT NULL,
    fields     TEXT NOT NULL
);
CREATE INDEX record_changes_record ON record_changes (entity, record_ref);

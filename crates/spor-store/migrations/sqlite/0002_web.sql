-- The web application: accounts, sessions, the audit trail and the change history of
-- records edited in forms. Timestamps are RFC 3339 text in UTC with microseconds, so they
-- sort as text.
CREATE TABLE users (
    name          TEXT PRIMARY KEY NOT NULL,
    -- Comma-separated roles: caseworker, analyst, admin.
    roles         TEXT NOT NULL,
    -- Argon2id PHC string; the password itself is never stored.
    password_hash TEXT NOT NULL,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until  TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

CREATE TABLE sessions (
    -- SHA-256 of the cookie value: a stolen database does not yield live cookies.
    id_hash      TEXT PRIMARY KEY NOT NULL,
    user_name    TEXT NOT NULL REFERENCES users (name),
    csrf_token   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    -- The absolute end of the session, whatever the activity.
    expires_at   TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_name);

-- Append-only and hash-chained: hash = SHA-256(prev_hash || canonical content).
CREATE TABLE audit_events (
    seq       INTEGER PRIMARY KEY NOT NULL,
    at        TEXT NOT NULL,
    code      TEXT NOT NULL,
    actor     TEXT,
    target    TEXT,
    address   TEXT,
    detail    TEXT,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
CREATE INDEX audit_events_at ON audit_events (at);
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;

-- Who changed which record when; `fields` is JSON {field: [before, after]}.
CREATE TABLE record_changes (
    entity     TEXT NOT NULL,
    record_ref TEXT NOT NULL,
    version    INTEGER NOT NULL,
    action     TEXT NOT NULL,
    actor      TEXT NOT NULL,
    at         TEXT NOT NULL,
    fields     TEXT NOT NULL
);
CREATE INDEX record_changes_record ON record_changes (entity, record_ref);

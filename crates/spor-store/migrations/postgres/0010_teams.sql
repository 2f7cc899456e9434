-- Access to persons scoped by team (issue 21, item 6), as in migrations/sqlite with the
-- same name: a caseworker with a team sees the persons of that team and persons with no
-- team; reaching another team's person takes a stated reason, audited, and grants that
-- session access for a while ("break glass").
-- NULL = no team: the account sees every person (a centre that does not use teams).
ALTER TABLE users ADD COLUMN team TEXT COLLATE "C";

-- The team a person belongs to; a person without a row has none (imported records, until
-- assigned).
CREATE TABLE person_teams (
    person_ref  TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    team        TEXT COLLATE "C" NOT NULL,
    assigned_at TEXT COLLATE "C" NOT NULL,
    assigned_by TEXT COLLATE "C" NOT NULL
);

-- Access to another team's person given for one session after a stated reason (the reason
-- is in the audit trail too); it ends at `expires_at` or with the session.
CREATE TABLE access_grants (
    session_hash TEXT COLLATE "C" NOT NULL REFERENCES sessions (id_hash) ON DELETE CASCADE,
    person_ref   TEXT COLLATE "C" NOT NULL,
    reason       TEXT NOT NULL,
    granted_at   TEXT COLLATE "C" NOT NULL,
    expires_at   TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (session_hash, person_ref)
);

-- Accounts to ASVS level 3 (issue 21, items 2 and 3), as in migrations/sqlite with the same
-- name: a password set by someone else must be changed at first login; a second factor
-- (TOTP, RFC 6238) with one-time recovery codes; a session records when its user last gave
-- password and second factor.
ALTER TABLE users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;
-- The TOTP secret (base32); NULL = none. Set but not confirmed = enrolment under way.
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_confirmed BOOLEAN NOT NULL DEFAULT FALSE;
-- The last time step whose code was accepted: a code is taken once (no replay).
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;

-- SHA-256 of each unused recovery code; a used one is deleted.
CREATE TABLE recovery_codes (
    user_name TEXT COLLATE "C" NOT NULL REFERENCES users (name),
    code_hash TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (user_name, code_hash)
);

-- When the session's user last gave password and second factor (login or
-- re-authentication); NULL = the second factor is still to come.
ALTER TABLE sessions ADD COLUMN verified_at TEXT COLLATE "C";

-- Devices a user has logged in from (issue 21, item 1), as in migrations/postgres with the
-- same name. A login attempt that carries the cookie of one of its user's devices is not
-- held back by the account's back-off, so that someone who only knows a user's name cannot
-- keep the user out; the device has its own count of failed attempts and stops being
-- trusted at the limit. Only a hash of the cookie is kept. Like sessions, not copied by
-- `spor store copy`.
CREATE TABLE trusted_devices (
    token_hash   TEXT PRIMARY KEY NOT NULL,
    user_name    TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
    created_at   TEXT NOT NULL,
    last_used_at TEXT NOT NULL,
    failures     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX trusted_devices_user ON trusted_devices (user_name);

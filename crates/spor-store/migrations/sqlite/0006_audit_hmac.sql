-- The audit trail's chain version of each event: 0 = SHA-256 of the previous hash and the
-- content (every event written before the audit key, or without one), 1 = HMAC-SHA256
-- under the audit key kept outside the database. Once an event is keyed, every later one is.
ALTER TABLE audit_events ADD COLUMN chain INTEGER NOT NULL DEFAULT 0;

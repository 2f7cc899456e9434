-- The audit trail's chain version of each event, as in migrations/sqlite with the same
-- name: 0 = SHA-256 of the previous hash and the content (every event written before the
-- audit key, or without one), 1 = HMAC-SHA256 under the audit key kept outside the
-- database. Once an event is keyed, every later one is.
ALTER TABLE audit_events ADD COLUMN chain BIGINT NOT NULL DEFAULT 0;

-- TRUNCATE fires no row triggers: refuse it with a statement trigger of its own.
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();

-- A code the centre added can be retired, as in migrations/sqlite with the same name: it is
-- no longer offered for new records, but records that use it keep it. NULL = in use.
ALTER TABLE code_additions ADD COLUMN retired_at TEXT COLLATE "C";

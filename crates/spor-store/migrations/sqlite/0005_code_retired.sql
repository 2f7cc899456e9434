-- A code the centre added can be retired: it is no longer offered for new records, but
-- records that use it keep it (a code in use is never deleted). NULL = in use.
ALTER TABLE code_additions ADD COLUMN retired_at TEXT;

-- The records in the compact form the statistics count from (spor_stats::Columns), kept
-- from a first import: a report of a large register then reads a few megabytes instead of
-- every row. It is a copy, valid only while `stamp` equals the setting `last_change`
-- (every write to the records sets that); otherwise the report reads the rows.
CREATE TABLE statistics_columns (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    stamp TEXT NOT NULL,
    data  BLOB NOT NULL
);

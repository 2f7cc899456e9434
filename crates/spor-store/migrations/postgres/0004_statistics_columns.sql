-- The records in the compact form the statistics count from (spor_stats::Columns), as in
-- migrations/sqlite with the same name, so both backends' migrations keep one numbering.
-- It is a copy, valid only while `stamp` equals the setting `last_change` (every write to
-- the records sets that); otherwise the statistics count from the rows. (The PostgreSQL
-- import does not fill it yet: a register there is counted from its rows.)
CREATE TABLE statistics_columns (
    id    BIGINT PRIMARY KEY CHECK (id = 1),
    stamp TEXT COLLATE "C" NOT NULL,
    data  BYTEA NOT NULL
);

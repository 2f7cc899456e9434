-- The statistics columns (tens of megabytes at a million decisions) are kept without
-- PostgreSQL's own compression: pglz spent seconds compressing them on every first import
-- (about 5 s for 39 MB on a loaded 2-core machine; stored as they are, under one), and
-- again in reading them back. They are written once per import and read whole.
ALTER TABLE statistics_columns ALTER COLUMN data SET STORAGE EXTERNAL;

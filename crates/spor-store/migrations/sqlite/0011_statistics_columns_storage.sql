-- PostgreSQL's migration of this number stores the statistics columns uncompressed; SQLite
-- never compresses a blob, so it has nothing to change. Kept so that both backends'
-- migrations have one numbering.
SELECT 1;

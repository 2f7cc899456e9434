#!/usr/bin/env python3
"""The benchmark's peer: DuckDB doing Spor's two jobs on the same CSV files.

  duckdb_peer.py load DIR DB      load the register's CSV files into a DuckDB database file
  duckdb_peer.py report DB YEAR   the aggregations of the annual overview for YEAR, as JSON

The aggregations follow shared/spec/annual-report.md: one row per person and year (the latest
decision counts), identified only; the same tables Spor computes.
"""
import json
import sys

import duckdb

TABLES = ["identifications", "assessments", "hotline_calls", "history"]


def load(src, db):
    con = duckdb.connect(db)
    for t in TABLES:
        con.execute(
            f"CREATE OR REPLACE TABLE {t} AS SELECT * FROM read_csv('{src}/{t}.csv', header=true, all_varchar=false)"
        )
    con.close()


def report(db, year):
    con = duckdb.connect(db, read_only=True)
    q = lambda sql: con.execute(sql).fetchall()
    con.execute(f"""
        CREATE TEMP TABLE victims AS
        SELECT * FROM (
            SELECT *, year(CAST(decision_date AS DATE)) AS y,
                   row_number() OVER (PARTITION BY person_ref, year(CAST(decision_date AS DATE))
                                      ORDER BY decision_date DESC, case_ref DESC) AS rn
            FROM identifications WHERE outcome = 'identified') WHERE rn = 1
    """)
    v = f"(SELECT * FROM victims WHERE y = {year})"
    out = {}
    for name, dims in {
        "victims_by_referral": "referral_actor",
        "victims_by_form": "exploitation_form",
        "victims_by_gender": "gender",
        "victims_by_nationality": "nationality",
        "victims_by_authority": "authority",
        "victims_by_gender_form": "gender, exploitation_form",
    }.items():
        out[name] = q(f"SELECT {dims}, count(*) AS n FROM {v} GROUP BY ALL ORDER BY n DESC")
    out["forced_labour_by_subtype"] = q(
        f"SELECT coalesce(exploitation_subtype, 'unspecified'), count(*) n FROM {v} WHERE exploitation_form = 'forced_labour' GROUP BY ALL")
    out["forced_criminality_by_subtype"] = q(
        f"SELECT coalesce(exploitation_subtype, 'unspecified'), count(*) n FROM {v} WHERE exploitation_form = 'forced_criminality' GROUP BY ALL")
    out["minors_by_gender_form"] = q(f"SELECT gender, exploitation_form, count(*) FROM {v} WHERE age < 18 GROUP BY ALL")
    out["under25_by_gender_form"] = q(f"SELECT gender, exploitation_form, count(*) FROM {v} WHERE age < 25 GROUP BY ALL")
    out["victims_by_nationality_gender_age_form"] = q(f"""
        SELECT nationality, gender, CASE WHEN age IS NULL THEN 'age_unknown' WHEN age < 18 THEN 'minor' ELSE 'adult' END,
               exploitation_form, count(*) FROM {v} GROUP BY ALL""")
    out["returns_by_nationality"] = q(f"""
        SELECT nationality, count(*), sum(CASE WHEN return_country <> nationality THEN 1 ELSE 0 END)
        FROM {v} WHERE return_date IS NOT NULL AND CAST(return_date AS DATE) <= DATE '{year}-12-31' GROUP BY ALL""")
    out["repeat_victims_by_nationality"] = q(f"""
        SELECT nationality, count(*) FROM {v} cur WHERE EXISTS (
            SELECT 1 FROM identifications e WHERE e.person_ref = cur.person_ref AND e.outcome = 'identified'
            AND year(CAST(e.decision_date AS DATE)) < {year}) GROUP BY ALL""")
    out["victims_by_year"] = q("SELECT y, count(*) FROM victims GROUP BY y ORDER BY y")
    out["victims_by_form_group_year"] = q("""
        SELECT y, CASE WHEN exploitation_form IN ('other', 'unresolved') THEN 'other_forms' ELSE exploitation_form END, count(*)
        FROM victims GROUP BY ALL""")
    out["victims_by_gender_group_year"] = q("""
        SELECT y, CASE WHEN gender IN ('trans_female', 'trans_male') THEN 'trans'
                       WHEN gender IN ('other', 'unknown') THEN 'other_unknown' ELSE gender END, count(*)
        FROM victims GROUP BY ALL""")
    out["hotline_calls_by_year"] = q(f"""
        SELECT year(timezone('Europe/Copenhagen', CAST(received_at AS TIMESTAMPTZ))) AS cy, count(*),
               sum(CASE WHEN concerns_possible_victim THEN 1 ELSE 0 END)
        FROM hotline_calls GROUP BY cy HAVING cy BETWEEN {year - 3} AND {year}""")
    out["assessed_persons_by_year"] = q(f"""
        SELECT year(CAST(interview_date AS DATE)) AS ay, count(DISTINCT person_ref) FROM assessments
        GROUP BY ay HAVING ay BETWEEN {year - 3} AND {year}""")
    out["assessed_persons_by_nationality"] = q(f"""
        WITH a AS (SELECT person_ref, arg_max(nationality, interview_date) AS nat, min(interview_date) AS first
                   FROM assessments WHERE year(CAST(interview_date AS DATE)) = {year} GROUP BY person_ref)
        SELECT nat, count(*), count(*) FILTER (WHERE EXISTS (
            SELECT 1 FROM identifications i WHERE i.person_ref = a.person_ref AND i.outcome = 'identified'
            AND i.decision_date >= a.first)) FROM a GROUP BY nat""")
    out["facts"] = q(f"SELECT count(*), min(age), max(age), round(avg(age), 1), count(*) FILTER (WHERE age < 25), count(*) FILTER (WHERE age < 18), count(DISTINCT nationality) FROM {v}")
    print(json.dumps(out, default=str))
    con.close()


if __name__ == "__main__":
    if sys.argv[1] == "load":
        load(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "report":
        report(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit(__doc__)

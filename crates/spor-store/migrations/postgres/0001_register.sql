-- The register: one table per entity of the exchange format, as in migrations/sqlite with
-- the same names. Dates are ISO 8601 text, every integer is BIGINT (the shared queries
-- decode i64). Text columns use the "C" collation so ORDER BY sorts by byte, exactly as
-- SQLite's BINARY collation does: both backends give the register in the same order,
-- whatever locale the database was created with.
CREATE TABLE identifications (
    case_ref             TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    person_ref           TEXT COLLATE "C" NOT NULL,
    decision_date        TEXT COLLATE "C" NOT NULL,
    authority            TEXT COLLATE "C" NOT NULL,
    outcome              TEXT COLLATE "C" NOT NULL,
    referral_actor       TEXT COLLATE "C",
    exploitation_form    TEXT COLLATE "C",
    exploitation_subtype TEXT COLLATE "C",
    gender               TEXT COLLATE "C" NOT NULL,
    age                  BIGINT,
    nationality          TEXT COLLATE "C" NOT NULL,
    return_date          TEXT COLLATE "C",
    return_country       TEXT COLLATE "C",
    version              BIGINT NOT NULL DEFAULT 1,
    updated_at           TEXT COLLATE "C" NOT NULL
);
CREATE INDEX identifications_person ON identifications (person_ref);
CREATE INDEX identifications_date ON identifications (decision_date);

CREATE TABLE assessments (
    assessment_ref TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    person_ref     TEXT COLLATE "C" NOT NULL,
    interview_date TEXT COLLATE "C" NOT NULL,
    gender         TEXT COLLATE "C" NOT NULL,
    age            BIGINT,
    nationality    TEXT COLLATE "C" NOT NULL,
    version        BIGINT NOT NULL DEFAULT 1,
    updated_at     TEXT COLLATE "C" NOT NULL
);
CREATE INDEX assessments_person ON assessments (person_ref);

CREATE TABLE hotline_calls (
    call_ref                 TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    received_at              TEXT COLLATE "C" NOT NULL,
    caller_type              TEXT COLLATE "C" NOT NULL,
    concerns_possible_victim BOOLEAN NOT NULL,
    topic                    TEXT COLLATE "C",
    version                  BIGINT NOT NULL DEFAULT 1,
    updated_at               TEXT COLLATE "C" NOT NULL
);

CREATE TABLE history (
    series     TEXT COLLATE "C" NOT NULL,
    year       BIGINT NOT NULL,
    category   TEXT COLLATE "C" NOT NULL DEFAULT '',
    count      BIGINT,
    updated_at TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (series, year, category)
);

CREATE TABLE settings (
    key   TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    value TEXT COLLATE "C"
);

CREATE TABLE code_additions (
    list     TEXT COLLATE "C" NOT NULL,
    code     TEXT COLLATE "C" NOT NULL,
    da       TEXT NOT NULL,
    en       TEXT NOT NULL,
    parent   TEXT COLLATE "C",
    eurostat TEXT COLLATE "C",
    htcds    TEXT COLLATE "C",
    added_at TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (list, code)
);

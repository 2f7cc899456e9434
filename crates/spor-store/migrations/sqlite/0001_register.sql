-- The register: one table per entity of the exchange format. Dates are ISO 8601 text.
CREATE TABLE identifications (
    case_ref             TEXT PRIMARY KEY NOT NULL,
    person_ref           TEXT NOT NULL,
    decision_date        TEXT NOT NULL,
    authority            TEXT NOT NULL,
    outcome              TEXT NOT NULL,
    referral_actor       TEXT,
    exploitation_form    TEXT,
    exploitation_subtype TEXT,
    gender               TEXT NOT NULL,
    age                  INTEGER,
    nationality          TEXT NOT NULL,
    return_date          TEXT,
    return_country       TEXT,
    version              INTEGER NOT NULL DEFAULT 1,
    updated_at           TEXT NOT NULL
);
CREATE INDEX identifications_person ON identifications (person_ref);
CREATE INDEX identifications_date ON identifications (decision_date);

CREATE TABLE assessments (
    assessment_ref TEXT PRIMARY KEY NOT NULL,
    person_ref     TEXT NOT NULL,
    interview_date TEXT NOT NULL,
    gender         TEXT NOT NULL,
    age            INTEGER,
    nationality    TEXT NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1,
    updated_at     TEXT NOT NULL
);
CREATE INDEX assessments_person ON assessments (person_ref);

CREATE TABLE hotline_calls (
    call_ref                 TEXT PRIMARY KEY NOT NULL,
    received_at              TEXT NOT NULL,
    caller_type              TEXT NOT NULL,
    concerns_possible_victim BOOLEAN NOT NULL,
    topic                    TEXT,
    version                  INTEGER NOT NULL DEFAULT 1,
    updated_at               TEXT NOT NULL
);

CREATE TABLE history (
    series     TEXT NOT NULL,
    year       INTEGER NOT NULL,
    category   TEXT NOT NULL DEFAULT '',
    count      BIGINT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (series, year, category)
);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT
);

CREATE TABLE code_additions (
    list     TEXT NOT NULL,
    code     TEXT NOT NULL,
    da       TEXT NOT NULL,
    en       TEXT NOT NULL,
    parent   TEXT,
    eurostat TEXT,
    htcds    TEXT,
    added_at TEXT NOT NULL,
    PRIMARY KEY (list, code)
);

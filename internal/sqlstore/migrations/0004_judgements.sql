-- Evaluators' judgements on the controls of a standard that the automated
-- checks cannot decide. Rows are only ever added: a newer judgement on the
-- same control of the same release supersedes the older, which stays on
-- record (who said what, when). judged_at orders a control's judgements;
-- the store keeps it unique per control, so the newest is never ambiguous.
--
-- Like 0001, this runs unchanged on SQLite and PostgreSQL.
CREATE TABLE judgements (
    release_id TEXT NOT NULL REFERENCES releases (id),
    catalog    TEXT NOT NULL,    -- e.g. "cra-annex-i"
    control    TEXT NOT NULL,    -- the control's id in that catalog, e.g. "I.2.a"
    judged_at  BIGINT NOT NULL,  -- Unix nanoseconds, UTC, as releases.submitted_at
    satisfied  INTEGER NOT NULL CHECK (satisfied IN (0, 1)),
    note       TEXT NOT NULL,
    evaluator  TEXT NOT NULL,
    PRIMARY KEY (release_id, catalog, control, judged_at)
);

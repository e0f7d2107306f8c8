-- Plain SQL both backends read alike, so it is written once (migrations/both).
-- The office's figures (issue 14): each patrol's, inspection's and finding's facts — its cleaned
-- track's figures and flags, its tallies by kind of site, its documents, its lifecycle times —
-- kept beside its state by every fold, as compact JSON (`xuncha_domain::figures`), so a year's
-- report reads a unit's facts for the year by this index instead of replaying tracks. Existing
-- records get theirs when the server starts (`facts::backfill`).
CREATE TABLE record_facts (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    unit TEXT,
    record_ms BIGINT NOT NULL,
    fact TEXT NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE INDEX record_facts_by_unit ON record_facts (kind, unit, record_ms);

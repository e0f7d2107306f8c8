-- The office's lists (issue 13) page by the record's own time — when a patrol or inspection
-- started, when a finding was reported — which never changes, so a page boundary stays put
-- while records are added and changed; and filter a finding's status in the query, not after
-- it. Both are kept beside the state by every fold; existing rows get them from their state.
ALTER TABLE aggregates ADD COLUMN record_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE aggregates ADD COLUMN status TEXT;
UPDATE aggregates SET record_ms = COALESCE(json_extract(state, '$.state.started_at'), json_extract(state, '$.state.reported_at'), last_hlc_wall),
    status = CASE WHEN kind = 'finding' THEN json_extract(state, '$.state.status') END;
CREATE INDEX aggregates_listing ON aggregates (kind, unit, record_ms, id);

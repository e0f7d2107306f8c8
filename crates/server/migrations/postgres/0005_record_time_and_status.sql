-- The office's lists (issue 13) page by the record's own time — when a patrol or inspection
-- started, when a finding was reported — which never changes, so a page boundary stays put
-- while records are added and changed; and filter a finding's status in the query, not after
-- it. Both are kept beside the state by every fold; existing rows get them from their state.
ALTER TABLE aggregates ADD COLUMN record_ms BIGINT NOT NULL DEFAULT 0;
ALTER TABLE aggregates ADD COLUMN status TEXT;
UPDATE aggregates SET record_ms = COALESCE((state::jsonb #>> '{state,started_at}')::BIGINT, (state::jsonb #>> '{state,reported_at}')::BIGINT, last_hlc_wall),
    status = CASE WHEN kind = 'finding' THEN state::jsonb #>> '{state,status}' END;
CREATE INDEX aggregates_listing ON aggregates (kind, unit, record_ms, id);

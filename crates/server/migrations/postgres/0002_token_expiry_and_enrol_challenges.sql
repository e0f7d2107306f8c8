-- Tokens expire (issue 11, class 8): sessions and device tokens carry the time they stop
-- working. Rows from before get a full lifetime from now rather than dying at the upgrade.
ALTER TABLE sessions ADD COLUMN expires_at BIGINT;
UPDATE sessions SET expires_at = (EXTRACT(EPOCH FROM now()) * 1000)::BIGINT + 43200000
    WHERE expires_at IS NULL;
ALTER TABLE devices ADD COLUMN token_expires_at BIGINT;
UPDATE devices SET token_expires_at = (EXTRACT(EPOCH FROM now()) * 1000)::BIGINT + 7776000000
    WHERE token_hash IS NOT NULL AND token_expires_at IS NULL;
-- Enrolment challenges (issue 11, class 7): each nonce is used once, before it expires. In the
-- database, not in memory, so any server process can check a nonce another one issued.
CREATE TABLE enrol_challenges (
    nonce BYTEA PRIMARY KEY,
    expires_at BIGINT NOT NULL
);
CREATE INDEX enrol_challenges_by_expiry ON enrol_challenges (expires_at);

-- A refresh whose answer never reached the phone (issue 11): the token the device refreshed
-- with keeps working, until its own expiry, until the new token is first used. Then it ends.
ALTER TABLE devices ADD COLUMN prev_token_hash BLOB;
ALTER TABLE devices ADD COLUMN prev_token_expires_at INTEGER;
CREATE INDEX devices_by_prev_token ON devices (prev_token_hash);

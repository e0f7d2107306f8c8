-- Blobs (issue 11, class 5). A blob is served for a record only when the device that named it
-- in that record proved it holds the bytes by uploading them: naming another user's photo hash
-- gives nothing. Uploads are each device's own until complete, so no device can plant a wrong
-- total or a garbage first chunk in another's upload; each part carries when it arrived, so an
-- abandoned upload can be swept. Unfinished uploads from before are dropped (their devices
-- start those blobs again from 0; the bytes are still on the phones).
DROP TABLE blob_parts;
CREATE TABLE upload_parts (
    device TEXT NOT NULL,
    hash TEXT NOT NULL,
    start_offset BIGINT NOT NULL,
    total BIGINT NOT NULL,
    bytes BYTEA NOT NULL,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (device, hash, start_offset)
);
CREATE INDEX upload_parts_by_age ON upload_parts (received_at);
CREATE TABLE blob_holders (
    hash TEXT NOT NULL,
    device TEXT NOT NULL,
    since BIGINT NOT NULL,
    PRIMARY KEY (hash, device)
);
-- Blobs stored before this rule count as held by every device that named them then.
INSERT INTO blob_holders (hash, device, since)
    SELECT DISTINCT r.hash, e.device, b.stored_at
    FROM blob_refs r JOIN events e ON e.id = r.event JOIN blobs b ON b.hash = r.hash;
CREATE INDEX blob_refs_by_event ON blob_refs (event);
CREATE INDEX blobs_by_age ON blobs (stored_at);

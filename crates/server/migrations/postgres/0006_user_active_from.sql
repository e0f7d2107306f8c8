-- Late entry (补录, issue 13): a record may not be dated before its user's first day of work,
-- which the office gives when it makes the user (or the day it makes it). Users made before
-- this migration have none: only the late-entry window bounds them.
ALTER TABLE users ADD COLUMN active_from BIGINT;

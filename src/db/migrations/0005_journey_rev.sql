-- The revision of each person's journey (GET /me/journey), for the servers' answer cache.
-- Every write that changes what someone's journey shows (completing, submitting, signing
-- off an activity; enrolling, pausing, resuming, withdrawing, re-planning) adds one to
-- their journey_rev in the same transaction. A server reads it before building the
-- journey and keeps the answer under it, so a cached journey is served only while the
-- revision is unchanged: several servers on one database stay correct without talking
-- to each other. Changes by time alone (midnight, releases, due instants) are handled by
-- the cache's own expiry, and the organisation's time zone is part of the cache key.
ALTER TABLE users ADD COLUMN journey_rev BIGINT NOT NULL DEFAULT 0;

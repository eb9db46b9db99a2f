-- Nudges and notifications (docs/notifications.md): the organisation's notification
-- settings, each person's preferences, in-app notifications, the durable outbox every
-- email and webhook call goes through, the admin's webhooks, the scheduler's leases, and
-- the indexes the scheduler's pass seeks by.

-- The organisation's settings; a tenant without a row uses the defaults written here.
-- send_hour: the local hour (0–23) from which day-based notices go out (new activities,
-- reminders, overdue nudges, escalations, the weekly digest). reminder_days_before:
-- working days before the due day a reminder is sent (0: no reminders).
-- escalate_after_days: working days an activity is overdue before the learner's manager
-- is told (0: never). digest_day: 0 Monday … 6 Sunday. quiet_start/quiet_end: minutes
-- after local midnight (both NULL: no quiet hours), the default for people who chose
-- none. email_off: comma list of kinds whose email is off unless a person turns it on.
-- smtp_url/smtp_from: this organisation's own relay (NULL: the deployment's,
-- WAYMARK_SMTP_URL); smtp_url may hold user:password and is never shown back.
CREATE TABLE notification_settings (
    tenant_id BIGINT PRIMARY KEY REFERENCES tenants (id),
    send_hour INTEGER NOT NULL DEFAULT 9,
    reminder_days_before INTEGER NOT NULL DEFAULT 1,
    escalate_after_days INTEGER NOT NULL DEFAULT 5,
    digest_day INTEGER NOT NULL DEFAULT 0,
    quiet_start INTEGER,
    quiet_end INTEGER,
    email_off TEXT NOT NULL DEFAULT '',
    smtp_url TEXT,
    smtp_from TEXT,
    updated_at BIGINT NOT NULL
);

-- A person's own choices; without a row they follow the organisation's defaults.
-- email_off: comma list of kinds this person gets no email for (in-app notices are
-- always kept). quiet_start/quiet_end as above (NULL: none).
CREATE TABLE notification_prefs (
    user_id BIGINT PRIMARY KEY REFERENCES users (id),
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    email_off TEXT NOT NULL DEFAULT '',
    digest_day INTEGER NOT NULL DEFAULT 0,
    quiet_start INTEGER,
    quiet_end INTEGER,
    updated_at BIGINT NOT NULL
);
CREATE INDEX notification_prefs_tenant ON notification_prefs (tenant_id);

-- In-app notifications, one per notice and recipient. dedup_key names the notice
-- ("reminder:123:2026-12-01"): a pass that runs twice, or on two servers at once, makes
-- it once. link is an app path ("/activities/123").
CREATE TABLE notifications (
    id {{ID}},
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL,
    dedup_key TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    link TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    read_at BIGINT
);
CREATE UNIQUE INDEX notifications_key ON notifications (tenant_id, dedup_key);
CREATE INDEX notifications_user ON notifications (user_id, id);
CREATE INDEX notifications_unread ON notifications (user_id) WHERE read_at IS NULL;

-- Webhooks the admin configured: format 'json' (signed Waymark event), 'slack' or
-- 'teams' (incoming-webhook message formats). kinds: comma list of notice kinds sent.
-- secret: the HMAC-SHA256 key; write-only in the API.
CREATE TABLE webhooks (
    id {{ID}},
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    name TEXT NOT NULL,
    url TEXT NOT NULL,
    format TEXT NOT NULL DEFAULT 'json',
    kinds TEXT NOT NULL,
    secret TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX webhooks_tenant ON webhooks (tenant_id, id);

-- The outbox: every email and webhook call, rendered when it is queued, sent by the
-- delivery worker. state: 'pending', 'sent', 'failed' (permanently, or after the last
-- retry), 'cancelled'. A worker claims a pending row by setting lease_until (and
-- leased_by); a row whose lease ran out is claimed again, so a process killed
-- mid-delivery loses nothing (at-least-once to the relay; the Message-ID is stable).
-- next_attempt_at: the earliest instant to try (the end of the recipient's quiet hours,
-- or the backoff after a failure). An email row keeps the notice as posted (subject,
-- body_text, body_html — the notice's own HTML content or '' —, link, action_label) and is
-- rendered into the branded message when it is sent, so queueing a hundred thousand
-- nudges writes no hundred thousand HTML documents; a webhook row keeps its JSON body in
-- body_text (signed as stored). unsubscribe_url / unsubscribe_hash: the one-click link of
-- an email and the hash of its token.
CREATE TABLE outbox (
    id {{ID}},
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    dedup_key TEXT NOT NULL,
    channel TEXT NOT NULL,
    kind TEXT NOT NULL,
    user_id BIGINT,
    webhook_id BIGINT,
    recipient TEXT NOT NULL,
    recipient_name TEXT NOT NULL DEFAULT '',
    subject TEXT NOT NULL DEFAULT '',
    body_text TEXT NOT NULL,
    body_html TEXT NOT NULL DEFAULT '',
    link TEXT NOT NULL DEFAULT '',
    action_label TEXT NOT NULL DEFAULT '',
    unsubscribe_url TEXT,
    unsubscribe_hash TEXT,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    lease_until BIGINT,
    leased_by TEXT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    sent_at BIGINT
);
CREATE UNIQUE INDEX outbox_key ON outbox (tenant_id, dedup_key);
CREATE INDEX outbox_pending ON outbox (next_attempt_at, id) WHERE state = 'pending';
CREATE INDEX outbox_tenant ON outbox (tenant_id, id);
CREATE UNIQUE INDEX outbox_unsubscribe ON outbox (unsubscribe_hash);

-- Leases of the scheduler's singletons ('pass'): a server runs the pass only while it
-- holds the lease, so two servers do not both do the work (the dedup keys are what make
-- a duplicate impossible; the lease only saves the effort).
CREATE TABLE scheduler_leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    until_at BIGINT NOT NULL
);

-- What the pass seeks: activities released today, sign-off decisions of the last days,
-- enrolment events not yet told.
CREATE INDEX activities_open_release ON activities (tenant_id, release_at) WHERE state = 'open';
CREATE INDEX activity_feedback_created ON activity_feedback (tenant_id, created_at);
CREATE INDEX enrolment_events_pending ON enrolment_events (tenant_id, id)
    WHERE notified_at IS NULL;

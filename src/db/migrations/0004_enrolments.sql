-- Enrolment and the learner's journey: people on a published version, one activity per
-- step with its own release and due instant, evidence files, sign-off feedback, the
-- rules that keep enrolling a group's new members, the events re-planning records for
-- the notifications issue, and each learner's secret calendar feed.

-- Re-planning ("the satnav"), set by the designer per workflow and frozen into versions:
-- when a learner is more than replan_after_days (pacing days) behind, the rest of their
-- schedule is spread so that at most max_due_per_day activities fall due on one day.
-- replan_after_days 0 turns re-planning off.
ALTER TABLE workflows ADD COLUMN replan_after_days INTEGER NOT NULL DEFAULT 3;
ALTER TABLE workflows ADD COLUMN max_due_per_day INTEGER NOT NULL DEFAULT 2;
ALTER TABLE workflow_versions ADD COLUMN replan_after_days INTEGER NOT NULL DEFAULT 3;
ALTER TABLE workflow_versions ADD COLUMN max_due_per_day INTEGER NOT NULL DEFAULT 2;

-- One learner on one version. status: 'active', 'paused', 'withdrawn', 'completed'.
-- start_date is the learner's local calendar date (YYYY-MM-DD) in the tenant's zone.
-- paused_at is set while paused; paused_days counts the pacing days of every finished
-- pause (what resuming shifted the open activities by). coach_id: the coach who signs off
-- coach steps for this enrolment (NULL: none). rule_id: the enrolment rule that created
-- it (NULL: enrolled by hand).
CREATE TABLE enrolments (
    id {{ID}},
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    workflow_id BIGINT NOT NULL REFERENCES workflows (id),
    version_id BIGINT NOT NULL REFERENCES workflow_versions (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    coach_id BIGINT REFERENCES users (id),
    rule_id BIGINT,
    status TEXT NOT NULL DEFAULT 'active',
    start_date TEXT NOT NULL,
    total_steps INTEGER NOT NULL,
    completed_steps INTEGER NOT NULL DEFAULT 0,
    paused_at BIGINT,
    paused_days INTEGER NOT NULL DEFAULT 0,
    replanned_at BIGINT,
    enrolled_by BIGINT REFERENCES users (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    completed_at BIGINT,
    withdrawn_at BIGINT
);
CREATE INDEX enrolments_user ON enrolments (user_id, status);
CREATE INDEX enrolments_workflow ON enrolments (tenant_id, workflow_id, status, id);
CREATE INDEX enrolments_coach ON enrolments (coach_id);

-- The learner's instance of a step. state: 'open' (locked before release_at, available
-- after), 'awaiting_signoff', 'completed', 'skipped'. Whether an open activity is locked
-- is a function of now, so nothing has to flip it. returned_at is set when a sign-off
-- sent it back (it is 'open' again); planned_due_at is the due instant enrolment gave
-- it, before any pause or re-plan moved it. seq orders a version's steps (phase, then
-- position) from 1. tenant_id and user_id are copies of the enrolment's, written with it
-- and never changed; they carry no foreign key of their own, so bulk enrolment does not
-- pay two more parent lookups for each of its hundreds of thousands of rows.
CREATE TABLE activities (
    id {{ID}},
    tenant_id BIGINT NOT NULL,
    enrolment_id BIGINT NOT NULL REFERENCES enrolments (id),
    user_id BIGINT NOT NULL,
    step_id BIGINT NOT NULL REFERENCES workflow_version_steps (id),
    seq INTEGER NOT NULL,
    state TEXT NOT NULL DEFAULT 'open',
    release_at BIGINT NOT NULL,
    due_at BIGINT NOT NULL,
    planned_due_at BIGINT NOT NULL,
    reflection TEXT,
    evidence_text TEXT,
    evidence_url TEXT,
    submitted_at BIGINT,
    completed_at BIGINT,
    completed_by BIGINT REFERENCES users (id),
    returned_at BIGINT,
    updated_at BIGINT NOT NULL
);
CREATE INDEX activities_enrolment ON activities (enrolment_id, seq);
-- Partial indexes hold only the few rows their query looks for, so inserting the
-- millions of activities bulk enrolment writes stays cheap: the scheduler's re-planning
-- pass seeks open activities by due instant, the sign-off queue awaiting ones by
-- submission.
CREATE INDEX activities_open_due ON activities (tenant_id, due_at) WHERE state = 'open';
CREATE INDEX activities_awaiting ON activities (tenant_id, submitted_at)
    WHERE state = 'awaiting_signoff';

-- Evidence files, stored in the database. content_type is what the bytes were sniffed
-- as when uploaded; name is the cleaned file name (no path, no control characters).
CREATE TABLE activity_files (
    id {{ID}},
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    activity_id BIGINT NOT NULL REFERENCES activities (id),
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    data {{BLOB}} NOT NULL,
    uploaded_by BIGINT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL
);
CREATE INDEX activity_files_activity ON activity_files (activity_id, id);

-- Sign-off decisions, oldest first: 'approve' or 'return', with the reviewer's comment.
CREATE TABLE activity_feedback (
    id {{ID}},
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    activity_id BIGINT NOT NULL REFERENCES activities (id),
    author_id BIGINT NOT NULL REFERENCES users (id),
    decision TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX activity_feedback_activity ON activity_feedback (activity_id, id);

-- "Keep enrolling this group's members": while active (stopped_at NULL), a member who
-- has never been enrolled on the workflow is enrolled on its latest version, starting
-- the day they are found.
CREATE TABLE enrolment_rules (
    id {{ID}},
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    workflow_id BIGINT NOT NULL REFERENCES workflows (id),
    group_id BIGINT NOT NULL REFERENCES user_groups (id),
    created_by BIGINT REFERENCES users (id),
    created_at BIGINT NOT NULL,
    stopped_at BIGINT
);
CREATE INDEX enrolment_rules_workflow ON enrolment_rules (tenant_id, workflow_id);

-- What happened to an enrolment that someone should be told about (the notifications
-- issue delivers them): kind 'replanned', 'paused', 'resumed', 'withdrawn', 'completed'.
-- data is JSON; notified_at is set once delivered.
CREATE TABLE enrolment_events (
    id {{ID}},
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    enrolment_id BIGINT NOT NULL REFERENCES enrolments (id),
    kind TEXT NOT NULL,
    data TEXT NOT NULL DEFAULT '{}',
    created_at BIGINT NOT NULL,
    notified_at BIGINT
);
CREATE INDEX enrolment_events_enrolment ON enrolment_events (enrolment_id, id);

-- Each person's secret iCalendar feed: only the token's hash is kept; deleting the row
-- revokes the URL.
CREATE TABLE calendar_feeds (
    id {{ID}},
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    user_id BIGINT NOT NULL UNIQUE REFERENCES users (id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);

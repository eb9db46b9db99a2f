-- Workflow design: drafts with phases and steps, and the immutable versions publishing
-- freezes them into. Issue 5's activities point at workflow_version_steps, never at the
-- draft, so editing a draft can never move a learner's schedule.

-- The draft. status: 'active' or 'archived' (whether it has versions is latest_version).
-- revision counts every change to the draft (its fields, phases or steps);
-- published_revision is the revision the latest version was frozen from, so
-- "unpublished changes" is revision <> published_revision.
-- pacing: 'working_days' (offsets count the tenant's working days) or 'calendar_days'.
CREATE TABLE workflows (
    id {{ID}},
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    title TEXT NOT NULL,
    outcome TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    pacing TEXT NOT NULL DEFAULT 'working_days',
    status TEXT NOT NULL DEFAULT 'active',
    revision BIGINT NOT NULL DEFAULT 1,
    latest_version INTEGER NOT NULL DEFAULT 0,
    published_revision BIGINT NOT NULL DEFAULT 0,
    created_by BIGINT REFERENCES users (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    published_at BIGINT,
    archived_at BIGINT
);
CREATE INDEX workflows_tenant ON workflows (tenant_id, id);

-- Phases of a draft, ordered by position (1, 2, 3 … without gaps).
CREATE TABLE workflow_phases (
    id {{ID}},
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    workflow_id BIGINT NOT NULL REFERENCES workflows (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name TEXT NOT NULL
);
CREATE INDEX workflow_phases_workflow ON workflow_phases (workflow_id, position);

-- Steps of a draft, ordered by position within their phase (1, 2, 3 … without gaps).
-- link_url and manager_prompt are NULL when there is none.
CREATE TABLE workflow_steps (
    id {{ID}},
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    workflow_id BIGINT NOT NULL REFERENCES workflows (id) ON DELETE CASCADE,
    phase_id BIGINT NOT NULL REFERENCES workflow_phases (id),
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    instructions TEXT NOT NULL DEFAULT '',
    link_url TEXT,
    release_offset_days INTEGER NOT NULL,
    due_offset_days INTEGER NOT NULL,
    effort_minutes INTEGER NOT NULL,
    completion TEXT NOT NULL,
    evidence TEXT NOT NULL,
    manager_prompt TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX workflow_steps_workflow ON workflow_steps (workflow_id, phase_id, position);

-- A published version: written once by publish, never updated or deleted (the code has
-- no statement that would). phase_key / step_key are the ids the phase and step had in
-- the draft, so two versions can be compared step by step.
CREATE TABLE workflow_versions (
    id {{ID}},
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    workflow_id BIGINT NOT NULL REFERENCES workflows (id),
    version INTEGER NOT NULL,
    title TEXT NOT NULL,
    outcome TEXT NOT NULL,
    description TEXT NOT NULL,
    pacing TEXT NOT NULL,
    phase_count INTEGER NOT NULL,
    step_count INTEGER NOT NULL,
    published_at BIGINT NOT NULL,
    published_by BIGINT REFERENCES users (id),
    UNIQUE (workflow_id, version)
);

CREATE TABLE workflow_version_phases (
    id {{ID}},
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    version_id BIGINT NOT NULL REFERENCES workflow_versions (id),
    phase_key BIGINT NOT NULL,
    position INTEGER NOT NULL,
    name TEXT NOT NULL
);
CREATE INDEX workflow_version_phases_version ON workflow_version_phases (version_id, position);

CREATE TABLE workflow_version_steps (
    id {{ID}},
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    version_id BIGINT NOT NULL REFERENCES workflow_versions (id),
    version_phase_id BIGINT NOT NULL REFERENCES workflow_version_phases (id),
    step_key BIGINT NOT NULL,
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    instructions TEXT NOT NULL,
    link_url TEXT,
    release_offset_days INTEGER NOT NULL,
    due_offset_days INTEGER NOT NULL,
    effort_minutes INTEGER NOT NULL,
    completion TEXT NOT NULL,
    evidence TEXT NOT NULL,
    manager_prompt TEXT
);
CREATE INDEX workflow_version_steps_version ON workflow_version_steps (version_id, version_phase_id, position);

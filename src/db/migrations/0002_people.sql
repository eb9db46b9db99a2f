-- People and access: tenant settings, users and reporting lines, sessions, API tokens,
-- one-time links (invitations, password resets), sign-in throttling, coach assignments,
-- groups and the audit log. Every table carries tenant_id; every query is scoped by it.

ALTER TABLE tenants ADD COLUMN working_days TEXT NOT NULL DEFAULT 'mon,tue,wed,thu,fri';
ALTER TABLE tenants ADD COLUMN brand_colour TEXT NOT NULL DEFAULT '#1f5fbf';
ALTER TABLE tenants ADD COLUMN logo {{BLOB}};
ALTER TABLE tenants ADD COLUMN logo_type TEXT;
ALTER TABLE tenants ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0;

-- roles is a bit set: 1 admin, 2 designer, 4 assessor, 8 coach, 16 learner (always set).
-- email_key is the lower-cased email: unique per tenant, used for sign-in and import.
CREATE TABLE users (
    id {{ID}},
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    email TEXT NOT NULL,
    email_key TEXT NOT NULL,
    name TEXT NOT NULL,
    roles INTEGER NOT NULL DEFAULT 16,
    manager_id BIGINT REFERENCES users (id),
    department TEXT NOT NULL DEFAULT '',
    job_title TEXT NOT NULL DEFAULT '',
    external_id TEXT,
    active INTEGER NOT NULL DEFAULT 1,
    password_hash TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    deactivated_at BIGINT
);
CREATE UNIQUE INDEX users_tenant_email ON users (tenant_id, email_key);
CREATE UNIQUE INDEX users_tenant_external_id ON users (tenant_id, external_id);
CREATE INDEX users_manager ON users (manager_id);
CREATE INDEX users_tenant_name ON users (tenant_id, name, id);
CREATE INDEX users_email_key ON users (email_key);

-- A browser session: the cookie holds a random token, the table only its hash.
CREATE TABLE sessions (
    id {{ID}},
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    token_hash TEXT NOT NULL UNIQUE,
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Bearer tokens for integrations; shown once, stored hashed.
CREATE TABLE api_tokens (
    id {{ID}},
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- One-time links: purpose 'invite' (set a first password) or 'reset' (admin reset).
CREATE TABLE one_time_links (
    id {{ID}},
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    purpose TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_by BIGINT REFERENCES users (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX one_time_links_user ON one_time_links (user_id);

-- Failed sign-ins, for throttling per account ('account:<tenant or *>:<email_key>')
-- and per client address ('address:<ip>'). Old rows are pruned as new ones arrive.
CREATE TABLE sign_in_failures (
    id {{ID}},
    throttle_key TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX sign_in_failures_key ON sign_in_failures (throttle_key, at);

CREATE TABLE coach_assignments (
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    coach_id BIGINT NOT NULL REFERENCES users (id),
    learner_id BIGINT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (coach_id, learner_id)
);
CREATE INDEX coach_assignments_learner ON coach_assignments (learner_id);

-- Groups of users, by hand (rule NULL) or by rule (rule holds JSON; members are
-- re-evaluated whenever users change).
CREATE TABLE user_groups (
    id {{ID}},
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    rule TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX user_groups_tenant_name ON user_groups (tenant_id, name_key);

CREATE TABLE user_group_members (
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    group_id BIGINT NOT NULL REFERENCES user_groups (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id),
    added_at BIGINT NOT NULL,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX user_group_members_user ON user_group_members (user_id);

-- Who did what to which target, when; changes is a small JSON object, never secrets.
CREATE TABLE audit_log (
    id {{ID}},
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    actor_id BIGINT REFERENCES users (id),
    action TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id BIGINT,
    changes TEXT NOT NULL DEFAULT '{}',
    at BIGINT NOT NULL
);
CREATE INDEX audit_log_tenant ON audit_log (tenant_id, id);

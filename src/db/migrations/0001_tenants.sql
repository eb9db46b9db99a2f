-- Tenants: one row per organisation served by this deployment. Every other table
-- carries tenant_id and every query is scoped by it.
-- Placeholders filled by the backend: {{ID}} an auto-increment 64-bit primary key.
CREATE TABLE tenants (
    id {{ID}},
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    time_zone TEXT NOT NULL DEFAULT 'UTC',
    created_at BIGINT NOT NULL
);

-- Which node holds each project's shared terminal (docs/runs.md, "Across nodes"), so that a
-- project has one across the cluster. The holder confirms it every third of
-- ENSEMBLE_TERMINAL_LEASE_SECONDS; a row not confirmed for that long belongs to a node that went
-- away, and the next editor to open a terminal takes it over.
CREATE TABLE terminals (
  project_id uuid PRIMARY KEY REFERENCES projects(id) ON DELETE CASCADE,
  session_id uuid NOT NULL UNIQUE,
  node_id text NOT NULL,
  heartbeat_at timestamptz NOT NULL DEFAULT now()
);

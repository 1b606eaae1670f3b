-- Runs of project code in the sandbox, and their output.

CREATE TABLE runs (
  id            uuid PRIMARY KEY,
  project_id    uuid NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  -- kept when the account goes so the project's history stays whole
  user_id       uuid REFERENCES users(id) ON DELETE SET NULL,
  command       text NOT NULL,
  status        text NOT NULL CHECK (status IN
                  ('queued', 'running', 'succeeded', 'failed', 'cancelled', 'timed_out', 'killed')),
  exit_code     integer,
  created_at    timestamptz NOT NULL DEFAULT now(),
  started_at    timestamptz,
  finished_at   timestamptz,
  duration_ms   bigint,
  output_bytes  bigint NOT NULL DEFAULT 0,
  truncated     boolean NOT NULL DEFAULT false
);
CREATE INDEX runs_project_created ON runs (project_id, created_at DESC);
CREATE INDEX runs_unfinished ON runs (status) WHERE status IN ('queued', 'running');

-- One row per chunk as streamed: seq increases by one across stdout and stderr.
CREATE TABLE run_output (
  run_id  uuid NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  seq     bigint NOT NULL,
  stream  text NOT NULL CHECK (stream IN ('stdout', 'stderr')),
  data    bytea NOT NULL,
  PRIMARY KEY (run_id, seq)
);

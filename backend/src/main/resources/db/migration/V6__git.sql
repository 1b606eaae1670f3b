-- Git integration (docs/git.md): long-running git work as jobs, and the tokens users store for
-- git hosts that are not their linked GitHub/GitLab login.

-- A job outlives a failed import, whose project is removed again, so project_id is no foreign key.
CREATE TABLE git_jobs (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id         uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  project_id      uuid NOT NULL,
  kind            text NOT NULL CHECK (kind IN ('import')),
  state           text NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
  phase           text NOT NULL DEFAULT '',
  done            bigint NOT NULL DEFAULT 0,
  total           bigint NOT NULL DEFAULT 0,
  error_code      text,
  error_message   text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX git_jobs_user ON git_jobs (user_id, created_at DESC);
CREATE INDEX git_jobs_unfinished ON git_jobs (state) WHERE state IN ('queued', 'running');

-- One token per user and host, sealed with the server's SecretBox (AES-256-GCM).
CREATE TABLE git_credentials (
  user_id     uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  host        text NOT NULL,
  username    text,
  token_enc   bytea NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, host)
);

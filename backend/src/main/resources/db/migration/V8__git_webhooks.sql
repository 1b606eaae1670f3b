-- Git webhooks (docs/git.md#webhooks): one per project. A verified push from GitHub or GitLab pulls
-- the project as the user who set the webhook up, with that user's git credentials.

CREATE TABLE git_webhooks (
  project_id    uuid PRIMARY KEY REFERENCES projects(id) ON DELETE CASCADE,
  created_by    uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  -- The shared secret, sealed with the server's SecretBox (AES-256-GCM).
  secret_enc    bytea NOT NULL,
  -- origin's URL as the working copy has it, and its normalised form deliveries are matched by;
  -- both follow POST /api/projects/{id}/git/remote.
  remote_url    text NOT NULL,
  remote_key    text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  -- What the latest delivery did, for the owner to see.
  last_at       timestamptz,
  last_event    text,
  last_result   text,
  last_message  text
);
CREATE INDEX git_webhooks_remote ON git_webhooks (remote_key);

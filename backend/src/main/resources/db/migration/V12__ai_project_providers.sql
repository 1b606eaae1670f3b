-- A project's own model provider, set by its owners in place of the instance's ENSEMBLE_AI_*
-- provider. The API key is sealed with the server's secret key (AES-256-GCM, nonce || ciphertext)
-- and never leaves the server; version changes on every save so each node can tell that the
-- provider it built from an older row is stale.

CREATE TABLE ai_project_providers (
  project_id        uuid PRIMARY KEY REFERENCES projects(id) ON DELETE CASCADE,
  kind              text NOT NULL CHECK (kind IN ('openai', 'anthropic', 'gemini', 'openai-compatible')),
  base_url          text NOT NULL,
  api_key_enc       bytea,
  chat_model        text NOT NULL,
  completion_model  text,
  -- further models members may choose per request, besides the chat and completion models
  models            text[] NOT NULL DEFAULT '{}',
  version           bigint NOT NULL DEFAULT 1,
  updated_by        uuid REFERENCES users(id) ON DELETE SET NULL,
  updated_at        timestamptz NOT NULL DEFAULT now()
);

-- The AI assistant: chat threads per project, their messages, and the usage ledger that rate
-- limits and budgets are computed from.

CREATE TABLE ai_threads (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  project_id  uuid NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  title       text NOT NULL,
  created_by  uuid REFERENCES users(id) ON DELETE SET NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ai_threads_project ON ai_threads (project_id, updated_at DESC);

CREATE TABLE ai_messages (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  thread_id         uuid NOT NULL REFERENCES ai_threads(id) ON DELETE CASCADE,
  -- orders the messages of a thread
  seq               bigserial NOT NULL,
  role              text NOT NULL CHECK (role IN ('user', 'assistant')),
  -- for a user message its author, for an answer the user who asked
  author_id         uuid REFERENCES users(id) ON DELETE SET NULL,
  content           text NOT NULL DEFAULT '',
  -- what the editor sent along (path, selection, open paths), so the UI can say what was shared
  context           jsonb,
  status            text NOT NULL CHECK (status IN ('streaming', 'complete', 'partial', 'error')),
  model             text,
  prompt_tokens     integer,
  completion_tokens integer,
  error_code        text,
  error_message     text,
  created_at        timestamptz NOT NULL DEFAULT now(),
  finished_at       timestamptz
);
CREATE INDEX ai_messages_thread ON ai_messages (thread_id, seq);
-- the per-user rate limit counts recent questions
CREATE INDEX ai_messages_asked ON ai_messages (author_id, created_at) WHERE role = 'user';

CREATE TABLE ai_usage (
  id                bigserial PRIMARY KEY,
  project_id        uuid NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  user_id           uuid REFERENCES users(id) ON DELETE SET NULL,
  model             text NOT NULL,
  prompt_tokens     integer NOT NULL,
  completion_tokens integer NOT NULL,
  -- true when the provider never reported usage (a cancelled answer) and it was estimated
  estimated         boolean NOT NULL DEFAULT false,
  message_id        uuid REFERENCES ai_messages(id) ON DELETE SET NULL,
  created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ai_usage_project_time ON ai_usage (project_id, created_at);
CREATE INDEX ai_usage_user_time ON ai_usage (user_id, created_at);

-- The assistant's agent mode (docs/ai.md, "Agent"): the steps of each agent run, kept with the
-- answer they belong to so that a participant who joins later sees how the answer came about, and
-- the owner's choice to let the agent apply edits and runs without a participant's approval.

CREATE TABLE ai_agent_steps (
  id           uuid PRIMARY KEY,
  thread_id    uuid NOT NULL REFERENCES ai_threads(id) ON DELETE CASCADE,
  -- the assistant message the run writes its final answer into
  message_id   uuid NOT NULL REFERENCES ai_messages(id) ON DELETE CASCADE,
  -- orders the steps of one run
  seq          integer NOT NULL,
  kind         text NOT NULL CHECK (kind IN ('thought', 'tool')),
  -- a thought's text; for a tool call, nothing
  text         text,
  tool         text,
  arguments    jsonb,
  status       text NOT NULL CHECK (status IN ('done', 'running', 'pending', 'failed', 'rejected', 'expired', 'cancelled')),
  -- how a call that needed approval was let through or not: approved, rejected, auto
  decision     text CHECK (decision IN ('approved', 'rejected', 'auto')),
  decided_by   uuid REFERENCES users(id) ON DELETE SET NULL,
  reason       text,
  -- what the tool returned, shortened for people to read (the model gets the whole, bounded, text)
  result       text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (message_id, seq)
);
CREATE INDEX ai_agent_steps_thread ON ai_agent_steps (thread_id, created_at);

-- No row: edits and runs wait for a participant's approval.
CREATE TABLE ai_agent_settings (
  project_id   uuid PRIMARY KEY REFERENCES projects(id) ON DELETE CASCADE,
  auto_apply   boolean NOT NULL,
  changed_by   uuid REFERENCES users(id) ON DELETE SET NULL,
  changed_at   timestamptz NOT NULL DEFAULT now()
);

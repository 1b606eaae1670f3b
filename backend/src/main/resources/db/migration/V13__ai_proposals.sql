-- Files a code action proposed: the content the model wrote, and the file's text it was written
-- against, so applying can tell whether someone changed the file since.

CREATE TABLE ai_proposals (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  project_id  uuid NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  message_id  uuid NOT NULL REFERENCES ai_messages(id) ON DELETE CASCADE,
  path        text NOT NULL,
  -- the file's text the proposal was made against; null when the file did not exist
  base_text   text,
  content     text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  applied_at  timestamptz,
  applied_by  uuid REFERENCES users(id) ON DELETE SET NULL
);
CREATE INDEX ai_proposals_message ON ai_proposals (message_id);

-- Answers whose node died (docs/ai.md, "Across nodes"): each answer names the node writing it, and
-- each node confirms in ai_nodes that it is alive every quarter of ENSEMBLE_AI_ORPHAN_SECONDS. An
-- answer still streaming whose node has not confirmed for that long is ended as interrupted, with
-- the text stored so far, by whichever node notices first.
ALTER TABLE ai_messages ADD COLUMN stream_node text;
CREATE INDEX ai_messages_streaming ON ai_messages (stream_node) WHERE status = 'streaming';

CREATE TABLE ai_nodes (
  node_id      text PRIMARY KEY,
  heartbeat_at timestamptz NOT NULL DEFAULT now()
);

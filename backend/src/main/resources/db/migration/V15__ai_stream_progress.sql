-- How far an answer's streamed text is stored while it is being written (docs/scaling.md, "Chat"):
-- the answering node stores the text so far every ENSEMBLE_AI_RELAY_STORE_MS with the number of the
-- last bus message it covers, so a node that missed messages catches up from here. Both stay as
-- they were once the answer is finished.
ALTER TABLE ai_messages ADD COLUMN stream_seq bigint;
-- which part of an agent's text the content is (the number of the run's thoughts before it)
ALTER TABLE ai_messages ADD COLUMN stream_segment integer;

-- Automerge documents synced over /sync. A document is its latest snapshot (Automerge save():
-- the whole history, compressed) plus the increments appended after it. Increments are folded into
-- the snapshot when they outgrow it; history survives compaction because a snapshot holds every change.

CREATE TABLE documents (
  -- the 16 bytes of the automerge-repo document id (written base58check on the wire and in URLs)
  id             uuid PRIMARY KEY,
  project_id     uuid NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  snapshot       bytea,
  -- increments with seq <= snapshot_seq are contained in snapshot
  snapshot_seq   bigint NOT NULL DEFAULT 0,
  -- last seq handed out in document_changes; bumped in the same statement that appends, so the
  -- row lock orders concurrent writers (several nodes) and seq has no gaps
  last_seq       bigint NOT NULL DEFAULT 0,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX documents_project ON documents (project_id);

-- Append-only: one row per durable batch of changes (Automerge encoded changes, concatenated).
CREATE TABLE document_changes (
  document_id    uuid NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
  seq            bigint NOT NULL,
  changes        bytea NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (document_id, seq)
);

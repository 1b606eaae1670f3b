-- Every project has a root document (its file tree; see docs/data-model.md). The id is chosen here
-- so that existing projects get one too; the document itself is created on first use.
ALTER TABLE projects ADD COLUMN root_doc_id uuid NOT NULL DEFAULT gen_random_uuid();
ALTER TABLE projects ADD CONSTRAINT projects_root_doc_id_key UNIQUE (root_doc_id);

-- Binary files: listed in the root document by blobId, the bytes here. A blob is never changed;
-- writing a binary file stores a new blob and deletes the one it replaced.
CREATE TABLE blobs (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  project_id  uuid NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  content     bytea NOT NULL,
  size        bigint NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX blobs_project ON blobs (project_id);

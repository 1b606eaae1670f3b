-- Whether a project's runs may use the network (docs/runs.md, "Network"). No row: they may not.

CREATE TABLE project_run_network (
  project_id  uuid PRIMARY KEY REFERENCES projects(id) ON DELETE CASCADE,
  allowed     boolean NOT NULL,
  changed_by  uuid REFERENCES users(id) ON DELETE SET NULL,
  changed_at  timestamptz NOT NULL DEFAULT now()
);

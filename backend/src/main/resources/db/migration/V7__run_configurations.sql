-- Named run configurations per project (docs/runs.md). Detected defaults are not stored.

CREATE TABLE run_configurations (
  project_id         uuid NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  position           integer NOT NULL,
  name               text NOT NULL,
  command            text NOT NULL,
  -- relative to the project's root; NULL for the root itself
  working_directory  text,
  env                jsonb NOT NULL DEFAULT '{}',
  PRIMARY KEY (project_id, name)
);
CREATE INDEX run_configurations_order ON run_configurations (project_id, position);

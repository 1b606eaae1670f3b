-- A number per project that every git operation changing its repository (index, HEAD, refs,
-- config) raises, under the project's lock, before it touches the repository. Nodes sharing the
-- working copies (ENSEMBLE_GIT_WORKSPACES_DIR) remember a git status together with this number,
-- so another node's commit, pull or checkout voids it (docs/git.md, "Status is remembered").
-- No row: version 0.
CREATE TABLE git_repository_versions (
  project_id uuid PRIMARY KEY REFERENCES projects(id) ON DELETE CASCADE,
  version bigint NOT NULL
);

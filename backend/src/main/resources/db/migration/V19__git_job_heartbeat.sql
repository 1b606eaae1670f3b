-- Git jobs across nodes (docs/git.md, "Several nodes"): each job names the node running it, and
-- that node confirms it every quarter of ENSEMBLE_GIT_JOB_ORPHAN_SECONDS. A job still queued or
-- running whose node has not confirmed it (nor recorded progress) for that long was left by a node
-- that went away, and is failed as interrupted by whichever node notices first.
-- Jobs from before this migration have no node; they count as confirmed now.
ALTER TABLE git_jobs
  ADD COLUMN node_id text,
  ADD COLUMN heartbeat_at timestamptz NOT NULL DEFAULT now();

-- The unfinished jobs, by when their node last confirmed them (the periodic check reads only these).
DROP INDEX git_jobs_unfinished;
CREATE INDEX git_jobs_unfinished ON git_jobs (heartbeat_at) WHERE state IN ('queued', 'running');

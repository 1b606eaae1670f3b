-- What an import left in git only (docs/git.md): the first files with their reason, and how many.
ALTER TABLE git_jobs
  ADD COLUMN skipped_count integer NOT NULL DEFAULT 0,
  ADD COLUMN skipped jsonb NOT NULL DEFAULT '[]';

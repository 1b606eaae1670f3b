-- When the node holding a run last confirmed it still does (docs/runs.md, "Across nodes"). A run
-- still queued or running long after that was left by a node that stopped, and is marked killed.
ALTER TABLE runs ADD COLUMN heartbeat_at timestamptz NOT NULL DEFAULT now();

import { useCallback, useEffect, useRef, useState } from 'react';
import { toApiError } from '../../api/client';
import { uploadFile } from './upload';

export interface Upload {
  id: number;
  path: string;
  size: number;
  loaded: number;
  status: 'queued' | 'uploading' | 'done' | 'failed';
  error?: string;
}

interface Job {
  id: number;
  path: string;
  file: Blob;
}

/**
 * The project's uploads, sent one at a time in the order asked for, with their progress and
 * errors. Unmounting cancels the one in flight and drops the queue.
 */
export function useUploads(projectId: string) {
  const [uploads, setUploads] = useState<readonly Upload[]>([]);
  const queue = useRef<Job[]>([]);
  const busy = useRef(false);
  const nextId = useRef(1);
  const controller = useRef(new AbortController());

  useEffect(() => {
    const current = new AbortController();
    controller.current = current;
    return () => {
      current.abort();
      queue.current = [];
    };
  }, [projectId]);

  const update = (id: number, change: Partial<Upload>) => {
    setUploads((all) =>
      all.map((upload) => (upload.id === id ? { ...upload, ...change } : upload)),
    );
  };

  const pump = useCallback(async () => {
    if (busy.current) return;
    busy.current = true;
    try {
      for (let job = queue.current.shift(); job; job = queue.current.shift()) {
        const signal = controller.current.signal;
        const cancelled = () => signal.aborted;
        if (cancelled()) break;
        const { id } = job;
        update(id, { status: 'uploading' });
        try {
          await uploadFile(
            projectId,
            job.path,
            job.file,
            (loaded) => {
              update(id, { loaded });
            },
            signal,
          );
          update(id, { status: 'done', loaded: job.file.size });
        } catch (error) {
          if (cancelled()) break;
          update(id, { status: 'failed', error: toApiError(error).message });
        }
      }
    } finally {
      busy.current = false;
    }
  }, [projectId]);

  /** Queues files for upload, each to its path in the project. */
  const start = useCallback(
    (files: readonly { path: string; file: Blob }[]) => {
      const jobs = files.map(({ path, file }) => ({ id: nextId.current++, path, file }));
      setUploads((all) => [
        ...all,
        ...jobs.map(({ id, path, file }): Upload => ({
          id,
          path,
          size: file.size,
          loaded: 0,
          status: 'queued',
        })),
      ]);
      queue.current.push(...jobs);
      void pump();
    },
    [pump],
  );

  /** Forgets finished and failed uploads. */
  const clear = useCallback(() => {
    setUploads((all) =>
      all.filter((upload) => upload.status === 'queued' || upload.status === 'uploading'),
    );
  }, []);

  return { uploads, start, clear };
}

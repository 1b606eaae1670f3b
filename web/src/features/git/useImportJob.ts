import { useEffect, useState } from 'react';
import { api, ApiError, toApiError, type GitJob } from '../../api/client';

/** Where an import is, from the user's click to the job's end. */
export type ImportState =
  | { status: 'idle' }
  | { status: 'starting' }
  | {
      status: 'running';
      jobId: string;
      projectId: string;
      /** The last progress the server reported; null before the first answer. */
      progress: GitJob['progress'] | null;
      cancelling: boolean;
      /** Why the last cancel request failed. */
      cancelError: ApiError | null;
    }
  | { status: 'succeeded'; projectId: string }
  | { status: 'failed'; error: ApiError }
  | { status: 'cancelled' };

export const POLL_MS = 400;

/** A job's error as an ApiError, so the dialog renders it like any other failure. */
function jobError(job: GitJob): ApiError {
  return new ApiError(
    0,
    job.error?.code ?? 'import_failed',
    job.error?.message ?? 'The import failed.',
  );
}

/**
 * Starts an import and follows its job until it has finished: through the job's server-sent
 * events (`GET /api/jobs/{id}/events`, progress as the server records it) where the browser has
 * EventSource, falling back to polling `GET /api/jobs/{id}` when the stream fails or is missing.
 * Following stops when the component unmounts.
 */
export function useImportJob() {
  const [state, setState] = useState<ImportState>({ status: 'idle' });
  const jobId = state.status === 'running' ? state.jobId : null;

  useEffect(() => {
    if (jobId === null) return;
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stream: EventSource | undefined;
    let finished = false;
    /** Shows the job; true once it has ended. */
    const show = (job: GitJob): boolean => {
      if (job.state === 'queued' || job.state === 'running') {
        setState((s) =>
          s.status === 'running' && s.jobId === jobId ? { ...s, progress: job.progress } : s,
        );
        return false;
      }
      finished = true;
      if (job.state === 'succeeded') {
        setState({ status: 'succeeded', projectId: job.projectId });
      } else if (job.state === 'cancelled') {
        setState({ status: 'cancelled' });
      } else {
        setState({ status: 'failed', error: jobError(job) });
      }
      return true;
    };
    const later = () => {
      timer = setTimeout(() => void poll(), POLL_MS);
    };
    const poll = async () => {
      try {
        const job = await api.git.job(jobId, controller.signal);
        if (controller.signal.aborted) return;
        if (!show(job)) later();
      } catch (e) {
        if (controller.signal.aborted) return;
        const error = toApiError(e);
        // A network blip does not end the import on the server: keep asking.
        if (error.status === 0) later();
        else setState({ status: 'failed', error });
      }
    };
    if (typeof EventSource === 'undefined') {
      void poll();
    } else {
      stream = new EventSource(`/api/jobs/${encodeURIComponent(jobId)}/events`);
      stream.addEventListener('job', (event) => {
        if (controller.signal.aborted) return;
        if (show(JSON.parse((event as MessageEvent<string>).data) as GitJob)) stream?.close();
      });
      stream.onerror = () => {
        // The stream ends after the final event; before that, an error means polling takes over.
        stream?.close();
        if (!finished && !controller.signal.aborted) void poll();
      };
    }
    return () => {
      controller.abort();
      stream?.close();
      clearTimeout(timer);
    };
  }, [jobId]);

  const start = async (body: { url: string; branch?: string; name?: string }) => {
    setState({ status: 'starting' });
    try {
      const started = await api.git.importRepository(body);
      setState({
        status: 'running',
        jobId: started.jobId,
        projectId: started.projectId,
        progress: null,
        cancelling: false,
        cancelError: null,
      });
    } catch (e) {
      setState({ status: 'failed', error: toApiError(e) });
    }
  };

  const cancel = async () => {
    if (state.status !== 'running') return;
    const id = state.jobId;
    const update = (change: Partial<Extract<ImportState, { status: 'running' }>>) => {
      setState((s) => (s.status === 'running' && s.jobId === id ? { ...s, ...change } : s));
    };
    update({ cancelling: true, cancelError: null });
    try {
      // The job ends as cancelled once it has undone its work; the polling sees that.
      await api.git.cancelJob(id);
    } catch (e) {
      const error = toApiError(e);
      // Finished meanwhile: the next poll shows how.
      if (error.code !== 'job_finished') update({ cancelling: false, cancelError: error });
    }
  };

  return {
    state,
    start,
    cancel,
    reset: () => {
      setState({ status: 'idle' });
    },
  };
}

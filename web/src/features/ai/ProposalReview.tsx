import { lazy, Suspense, useEffect, useState } from 'react';
import { api, toApiError } from '../../api/client';
import { describeAiError } from './liveAnswers';

const GitDiffEditor = lazy(() => import('../git/GitDiffEditor'));

/** What to review: a code action's stored proposal, or a code block from an answer. */
export type ReviewTarget =
  { kind: 'proposal'; id: string; path: string } | { kind: 'block'; path: string; content: string };

interface Props {
  projectId: string;
  target: ReviewTarget;
  /** Viewers see the diff without Apply. */
  canEdit: boolean;
  onClose: () => void;
}

type State =
  | { status: 'loading' }
  | { status: 'ready'; current: string | null; proposed: string; stale: boolean; note?: string }
  | { status: 'applied'; created: boolean }
  | { status: 'error'; message: string };

/**
 * A proposed file as a diff against the file as it is now, with Apply and Discard. Applying
 * writes it as an edit everyone sees; when the file changed since the proposal was made the
 * server refuses, the diff is shown again against the new text, and "Apply anyway" replaces it.
 */
export function ProposalReview({ projectId, target, canEdit, onClose }: Props) {
  const [state, setState] = useState<State>({ status: 'loading' });
  const [busy, setBusy] = useState(false);
  const { path } = target;
  const key = target.kind === 'proposal' ? target.id : target.content;

  useEffect(() => {
    const abort = new AbortController();
    const proposed =
      target.kind === 'proposal'
        ? api.ai.proposal(projectId, target.id, abort.signal).then((p) => p.content)
        : Promise.resolve(target.content);
    Promise.all([proposed, api.files.text(projectId, path, abort.signal)])
      .then(([content, current]) => {
        setState({ status: 'ready', current, proposed: content, stale: false });
      })
      .catch((e: unknown) => {
        if (abort.signal.aborted) return;
        const error = toApiError(e);
        setState({ status: 'error', message: describeAiError(error.code, error.message) });
      });
    return () => {
      abort.abort();
    };
    // the target is identified by its kind, path and id or content
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [projectId, target.kind, path, key]);

  const apply = async () => {
    if (state.status !== 'ready') return;
    setBusy(true);
    try {
      if (target.kind === 'proposal') {
        const applied = await api.ai.applyProposal(projectId, target.id, state.stale);
        setState({ status: 'applied', created: applied.created });
      } else {
        // No proposal on the server: compare with the text just shown before replacing it.
        const now = await api.files.text(projectId, path);
        if (now !== state.current) {
          setState({ ...state, current: now, note: `${path} changed meanwhile; review again.` });
          return;
        }
        await api.files.write(projectId, path, state.proposed);
        setState({ status: 'applied', created: now === null });
      }
    } catch (e) {
      const error = toApiError(e);
      if (error.code === 'ai_proposal_stale') {
        const now = await api.files.text(projectId, path).catch(() => state.current);
        setState({
          ...state,
          current: now,
          stale: true,
          note: `${path} changed after the proposal was made. The diff now shows the file as it is; applying replaces it.`,
        });
      } else {
        setState({ ...state, note: describeAiError(error.code, error.message) });
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="ai-review" aria-label={`Proposed change to ${path}`}>
      <header className="ai-review-header">
        <strong>{path}</strong>
        {state.status === 'ready' && state.current === null && (
          <span className="muted"> (new file)</span>
        )}
      </header>
      {state.status === 'loading' && <p className="muted">Loading the diff…</p>}
      {state.status === 'error' && (
        <p className="alert alert-error" role="alert">
          {state.message}
        </p>
      )}
      {state.status === 'applied' && (
        <p className="alert" role="status">
          {state.created ? `Created ${path}.` : `Applied to ${path}.`}
        </p>
      )}
      {state.status === 'ready' && (
        <>
          {state.note && (
            <p className="alert alert-error" role="alert">
              {state.note}
            </p>
          )}
          <Suspense fallback={<p className="muted">Loading the diff…</p>}>
            <GitDiffEditor path={path} original={state.current ?? ''} modified={state.proposed} />
          </Suspense>
        </>
      )}
      <div className="ai-review-actions">
        {state.status === 'ready' && canEdit && (
          <button
            type="button"
            className="button button-primary"
            disabled={busy}
            onClick={() => void apply()}
          >
            {state.stale ? 'Apply anyway' : 'Apply'}
          </button>
        )}
        <button type="button" className="button" onClick={onClose}>
          {state.status === 'applied' ? 'Close' : 'Discard'}
        </button>
      </div>
    </section>
  );
}

import type { LiveCommand, TerminalEvent, TerminalSessionState } from '../../live/messages';

/** What this client shows of the project's terminal: which session, and its output through `lastSeq`. */
export interface TerminalView {
  session: TerminalSessionState | null;
  lastSeq: number;
}

export const EMPTY_VIEW: TerminalView = { session: null, lastSeq: 0 };

/** What the screen must do for one event. */
export type ScreenEffect =
  | { kind: 'reset' }
  | { kind: 'write'; data: string }
  | { kind: 'resize'; cols: number; rows: number };

/** Written where output was skipped because this client fell behind the server's backlog. */
export const SKIPPED_NOTICE = '\r\n\u001b[2m[… earlier output skipped …]\u001b[0m\r\n';

/**
 * Applies one terminal event: a new running session clears the screen and takes its size, a
 * resize of the followed session resizes the screen, output of that session is written once in
 * sequence order (replays after reconnecting are dropped, a hole is marked), anything about
 * another session's output is ignored.
 */
export function acceptTerminalEvent(
  view: TerminalView,
  event: TerminalEvent,
): { view: TerminalView; effects: ScreenEffect[] } {
  if (event.event === 'error') return { view, effects: [] };
  if (event.event === 'state') {
    if (event.state === 'none') return { view: { session: null, lastSeq: 0 }, effects: [] };
    const session = sessionOf(event);
    const same = view.session?.sessionId === session.sessionId;
    if (!same) {
      const effects: ScreenEffect[] =
        session.state === 'running'
          ? [{ kind: 'reset' }, { kind: 'resize', cols: session.cols, rows: session.rows }]
          : [];
      return { view: { session, lastSeq: 0 }, effects };
    }
    const resized = view.session?.cols !== session.cols || view.session.rows !== session.rows;
    return {
      view: { session, lastSeq: view.lastSeq },
      effects: resized ? [{ kind: 'resize', cols: session.cols, rows: session.rows }] : [],
    };
  }
  if (event.sessionId !== view.session?.sessionId || event.seq <= view.lastSeq) {
    return { view, effects: [] };
  }
  const effects: ScreenEffect[] = [];
  if (event.firstSeq > view.lastSeq + 1) effects.push({ kind: 'write', data: SKIPPED_NOTICE });
  effects.push({ kind: 'write', data: event.data });
  return { view: { session: view.session, lastSeq: event.seq }, effects };
}

function sessionOf(event: TerminalSessionState): TerminalSessionState {
  const session: TerminalSessionState = {
    sessionId: event.sessionId,
    state: event.state,
    cols: event.cols,
    rows: event.rows,
    startedBy: event.startedBy,
    startedById: event.startedById,
    startedAt: event.startedAt,
  };
  if (event.exitCode !== undefined) session.exitCode = event.exitCode;
  if (event.reason !== undefined) session.reason = event.reason;
  return session;
}

/** The subscription that resumes after what this client already shows. */
export function subscribeCommand(view: TerminalView): LiveCommand {
  return view.session
    ? { type: 'terminal-subscribe', sessionId: view.session.sessionId, afterSeq: view.lastSeq }
    : { type: 'terminal-subscribe' };
}

/** Input cut into messages the server accepts (it refuses larger ones). */
export function inputPieces(data: string, maxChars = 4096): string[] {
  const pieces: string[] = [];
  let rest = data;
  while (rest.length > maxChars) {
    // never split a surrogate pair
    const cut = /[\uD800-\uDBFF]/.test(rest.charAt(maxChars - 1)) ? maxChars - 1 : maxChars;
    pieces.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  if (rest.length > 0) pieces.push(rest);
  return pieces;
}

/** A one-line description of the session for the panel. */
export function describeSession(session: TerminalSessionState | null): string {
  if (!session) return 'No terminal is open.';
  if (session.state === 'running') return `Running, opened by ${session.startedBy}`;
  const why: Record<NonNullable<TerminalSessionState['reason']>, string> = {
    exited: session.exitCode !== undefined ? `exited with ${session.exitCode}` : 'exited',
    closed: 'closed by an editor',
    idle: 'closed after being idle',
    lifetime: 'closed at its time limit',
    shutdown: 'closed as the server stopped',
  };
  return `Ended: ${session.reason ? why[session.reason] : 'ended'} (opened by ${session.startedBy})`;
}

/** One piece of a run's output as written to the terminal. */
export interface OutputPiece {
  stream: 'stdout' | 'stderr';
  data: string;
}

/** What has been shown of one run: everything through `lastSeq`, in order. */
export interface RunOutput {
  lastSeq: number;
  pieces: OutputPiece[];
}

export const EMPTY_OUTPUT: RunOutput = { lastSeq: 0, pieces: [] };

export interface OutputMessage {
  seq: number;
  firstSeq?: number;
  stream: 'stdout' | 'stderr';
  data: string;
}

export type Accepted =
  | { kind: 'append'; output: RunOutput; piece: OutputPiece }
  | { kind: 'duplicate' }
  /** Output after a hole: resubscribe from `lastSeq` so the server fills it in order. */
  | { kind: 'gap'; afterSeq: number };

/**
 * Decides what one `output` message means for what was shown so far. The server coalesces
 * chunks `firstSeq..seq` into one message; a message wholly at or before `lastSeq` was already
 * shown (a replay after reconnecting), and one starting past `lastSeq + 1` means chunks were lost.
 */
export function acceptOutput(output: RunOutput, message: OutputMessage): Accepted {
  const first = message.firstSeq ?? message.seq;
  if (message.seq <= output.lastSeq) return { kind: 'duplicate' };
  if (first > output.lastSeq + 1) return { kind: 'gap', afterSeq: output.lastSeq };
  // A message straddling lastSeq cannot be split by chunk; this never happens when subscribing
  // "after lastSeq", so keep it whole rather than lose output.
  const piece = { stream: message.stream, data: message.data };
  return {
    kind: 'append',
    piece,
    output: { lastSeq: message.seq, pieces: [...output.pieces, piece] },
  };
}

const RED = '\u001b[31m';
const RESET = '\u001b[0m';

/** Terminal text for a piece: stderr tinted red, line endings made CRLF for xterm. */
export function terminalText(piece: OutputPiece): string {
  const text = piece.data.replace(/\r?\n/g, '\r\n');
  return piece.stream === 'stderr' ? `${RED}${text}${RESET}` : text;
}

/** Human duration: 850 ms, 4.2 s, 3 min 05 s. */
export function formatDuration(ms: number | null): string {
  if (ms === null) return '';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.floor((ms % 60_000) / 1000);
  return `${minutes} min ${String(seconds).padStart(2, '0')} s`;
}

import type { ContextPiece } from '../../api/client';

/**
 * A fenced block's info string, e.g. `python path=tests/test_dates.py`: the language and the
 * file the block is meant for, when it names one (code actions ask the model to).
 */
export function blockTarget(info: string): { lang: string; path: string | null } {
  const match = /(?:^|\s)path=(?:"([^"]+)"|(\S+))/.exec(info);
  const path = match ? (match[1] ?? match[2] ?? null) : null;
  const first = info.trim().split(/\s+/)[0] ?? '';
  return { lang: first.startsWith('path=') ? '' : first, path };
}

/** How a piece of sent context reads in the list under an answer. */
export function describePiece(piece: ContextPiece): string {
  const lines = piece.lines ? ` (lines ${piece.lines[0]}–${piece.lines[1]})` : '';
  switch (piece.kind) {
    case 'selection':
      return `Selection${piece.path ? ` in ${piece.path}` : ''}${lines}`;
    case 'file':
      return `${piece.path ?? 'Current file'}${lines}`;
    case 'open':
      return `Open tab ${piece.path ?? ''}`.trim();
    case 'run':
      return `Output of run ${piece.runId?.slice(0, 8) ?? ''}`.trim();
    case 'retrieved':
      return `${piece.path ?? ''}${lines} · retrieved`;
  }
}

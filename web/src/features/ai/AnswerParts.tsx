import { Fragment, useEffect, useState } from 'react';
import type { ContextPiece, ProposalSummary } from '../../api/client';
import { insertAtCursor } from '../../editor/editorActions';
import { blockTarget, describePiece } from './codeActions';
import { highlightCode, type HighlightedLine } from './codeHighlight';

/** Which context went to the model with the question, under its answer. */
export function ContextList({ pieces }: { pieces: readonly ContextPiece[] }) {
  if (pieces.length === 0) return null;
  return (
    <details className="ai-context">
      <summary className="muted">Context sent ({pieces.length})</summary>
      <ul>
        {pieces.map((piece, index) => (
          <li key={index}>{describePiece(piece)}</li>
        ))}
      </ul>
    </details>
  );
}

/** The files a code action proposed, each to review as a diff before applying. */
export function ProposalList({
  proposals,
  canEdit,
  onReview,
}: {
  proposals: readonly ProposalSummary[];
  canEdit: boolean;
  onReview: (proposal: ProposalSummary) => void;
}) {
  if (proposals.length === 0) return null;
  return (
    <ul className="ai-proposals" aria-label="Proposed files">
      {proposals.map((proposal) => (
        <li key={proposal.id}>
          <span>
            {proposal.path}
            {proposal.creates && <span className="muted"> (new)</span>}
          </span>
          <button
            type="button"
            className="button"
            onClick={() => {
              onReview(proposal);
            }}
          >
            {canEdit ? 'Review and apply' : 'Show diff'}
          </button>
        </li>
      ))}
    </ul>
  );
}

/**
 * A code block of an answer: copy it, insert it at the caret of the open file, or apply it to a
 * file (the one its fence names, else the open one) after seeing the diff. Highlighted once it
 * is `complete`; a block the answer is still writing stays plain.
 */
export function CodeBlock({
  code,
  info,
  canEdit,
  complete = true,
  onApply,
}: {
  code: string;
  info: string;
  canEdit: boolean;
  complete?: boolean;
  onApply: (path: string | null, code: string) => void;
}) {
  const [note, setNote] = useState<string | null>(null);
  const { lang, path } = blockTarget(info);
  const highlighted = useHighlighted(code, lang, path, complete);
  return (
    <div className="ai-code">
      <div className="ai-code-tools">
        {path && <span className="muted ai-code-path">{path}</span>}
        {canEdit && (
          <button
            type="button"
            className="button"
            onClick={() => {
              setNote(insertAtCursor(code) ? 'Inserted' : 'Open a file you can edit first');
            }}
          >
            Insert at cursor
          </button>
        )}
        {canEdit && (
          <button
            type="button"
            className="button"
            onClick={() => {
              onApply(path, code);
            }}
          >
            Apply to file
          </button>
        )}
        <button
          type="button"
          className="button"
          onClick={() => {
            void navigator.clipboard.writeText(code).then(() => {
              setNote('Copied');
            });
          }}
        >
          Copy
        </button>
      </div>
      {note && (
        <p className="muted ai-code-note" role="status">
          {note}
        </p>
      )}
      <pre data-lang={lang || undefined}>
        <code>{highlighted ? <HighlightedCode lines={highlighted} /> : code}</code>
      </pre>
    </div>
  );
}

/** The highlighted lines of a complete block; null while they are coloured, or to show it plain. */
function useHighlighted(
  code: string,
  lang: string,
  path: string | null,
  complete: boolean,
): readonly HighlightedLine[] | null {
  const [result, setResult] = useState<{ code: string; lines: HighlightedLine[] } | null>(null);
  useEffect(() => {
    if (!complete) return;
    let current = true;
    void highlightCode(code, lang, path).then((lines) => {
      if (current) setResult(lines ? { code, lines } : null);
    });
    return () => {
      current = false;
    };
  }, [code, lang, path, complete]);
  // Colours of an earlier text of the block are never shown for the current one.
  return complete && result?.code === code ? result.lines : null;
}

/** Monaco's token classes over the code's own text, line by line (no HTML from the colorizer). */
function HighlightedCode({ lines }: { lines: readonly HighlightedLine[] }) {
  return lines.map((tokens, index) => (
    <Fragment key={index}>
      {tokens.map((token, at) => (
        <span key={at} className={token.className}>
          {token.text}
        </span>
      ))}
      {index < lines.length - 1 && '\n'}
    </Fragment>
  ));
}

import { useId, useState } from 'react';
import type { LineMatch } from './fileSearch';
import type { FileEntry } from './fileTree';
import { useFileSearch } from './useFileSearch';

interface SearchPanelProps {
  projectId: string;
  files: Readonly<Record<string, FileEntry>>;
  /** Opens a file with the match selected. */
  onOpenMatch: (path: string, match: LineMatch) => void;
}

/** Find in files: text or regular expression, with or without case, results grouped by file. */
export function SearchPanel({ projectId, files, onOpenMatch }: SearchPanelProps) {
  const id = useId();
  const [text, setText] = useState('');
  const [regex, setRegex] = useState(false);
  const [caseSensitive, setCaseSensitive] = useState(false);
  const search = useFileSearch(projectId, files, { text, regex, caseSensitive });
  const outcome = search.status === 'searching' || search.status === 'done' ? search.outcome : null;
  const count = outcome?.results.reduce((sum, file) => sum + file.matches.length, 0) ?? 0;

  return (
    <div className="search-panel">
      <form
        className="search-form"
        role="search"
        onSubmit={(event) => {
          event.preventDefault();
        }}
      >
        <label htmlFor={`${id}-query`} className="visually-hidden">
          Search in files
        </label>
        <input
          id={`${id}-query`}
          type="search"
          value={text}
          placeholder="Search in files"
          spellCheck={false}
          autoComplete="off"
          aria-invalid={search.status === 'invalid' ? true : undefined}
          onChange={(event) => {
            setText(event.target.value);
          }}
        />
        <div className="search-options">
          <label>
            <input
              type="checkbox"
              checked={caseSensitive}
              onChange={(event) => {
                setCaseSensitive(event.target.checked);
              }}
            />{' '}
            Match case
          </label>
          <label>
            <input
              type="checkbox"
              checked={regex}
              onChange={(event) => {
                setRegex(event.target.checked);
              }}
            />{' '}
            Regular expression
          </label>
        </div>
      </form>
      <p className="muted search-summary" aria-live="polite">
        {search.status === 'invalid' && <span className="field-error">{search.message}</span>}
        {search.status === 'error' && <span className="field-error">{search.message}</span>}
        {search.status === 'searching' && 'Searching…'}
        {search.status === 'done' && outcome && summary(count, outcome.results.length)}
        {outcome?.truncated &&
          ` Stopped early: only the first ${outcome.searched} of ${outcome.total} files or 1,000 matches are shown; narrow the search.`}
        {outcome &&
          outcome.failed.length > 0 &&
          ` ${outcome.failed.length} files could not be read.`}
      </p>
      {outcome && outcome.results.length > 0 && (
        <ul className="search-results" aria-label="Search results">
          {outcome.results.map((file) => (
            <li key={file.path}>
              <div className="search-file" title={file.path}>
                {file.path} <span className="muted">({file.matches.length})</span>
              </div>
              <ul>
                {file.matches.map((match) => (
                  <li key={match.start}>
                    <button
                      type="button"
                      className="search-match"
                      aria-label={`${file.path} line ${match.line}: ${match.preview.trim()}`}
                      onClick={() => {
                        onOpenMatch(file.path, match);
                      }}
                    >
                      <span className="search-line muted">{match.line}</span>
                      <span className="search-preview">
                        {match.preview.slice(0, match.previewStart)}
                        <mark>{match.preview.slice(match.previewStart, match.previewEnd)}</mark>
                        {match.preview.slice(match.previewEnd)}
                      </span>
                    </button>
                  </li>
                ))}
              </ul>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function summary(matches: number, files: number): string {
  if (matches === 0) return 'No results.';
  return `${matches} ${matches === 1 ? 'result' : 'results'} in ${files} ${files === 1 ? 'file' : 'files'}.`;
}

/** Find in files: the query, matching one text, and walking the project's files within bounds. */

export interface SearchQuery {
  text: string;
  regex: boolean;
  caseSensitive: boolean;
}

/** One match, located for the editor (offsets) and for the list (line, column, preview). */
export interface LineMatch {
  /** 1-based line and column (UTF-16 units) of the match's start. */
  line: number;
  column: number;
  /** UTF-16 offsets of the match in the file's text. */
  start: number;
  end: number;
  /** The line (or a window of a long one) and where the match sits in it. */
  preview: string;
  previewStart: number;
  previewEnd: number;
}

export interface FileMatches {
  path: string;
  matches: LineMatch[];
}

export interface SearchLimits {
  /** Files read at most; the rest are reported as not searched. */
  maxFiles: number;
  /** Matches kept at most, over all files. */
  maxResults: number;
  /** Files read at once (from the server). */
  concurrency: number;
}

export const SEARCH_LIMITS: SearchLimits = { maxFiles: 2_000, maxResults: 1_000, concurrency: 6 };

/** Characters of a line shown around a match. */
const PREVIEW_BEFORE = 40;
const PREVIEW_LENGTH = 160;

/** The query as a global regular expression; null for an empty query, a message if invalid. */
export function compileQuery(query: SearchQuery): RegExp | string | null {
  if (query.text === '') return null;
  const source = query.regex ? query.text : query.text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  try {
    return new RegExp(source, query.caseSensitive ? 'gm' : 'gim');
  } catch (error) {
    return error instanceof Error ? error.message : 'Not a valid regular expression.';
  }
}

/** Every non-empty match of `pattern` in `text`, up to `limit`, with line previews. */
export function searchText(text: string, pattern: RegExp, limit: number): LineMatch[] {
  const matches: LineMatch[] = [];
  const regex = new RegExp(
    pattern.source,
    pattern.flags.includes('g') ? pattern.flags : pattern.flags + 'g',
  );
  let line = 1;
  let lineStart = 0;
  let scanned = 0;
  for (
    let found = regex.exec(text);
    found !== null && matches.length < limit;
    found = regex.exec(text)
  ) {
    if (found[0] === '') {
      regex.lastIndex = found.index + 1;
      continue;
    }
    const start = found.index;
    for (
      let i = text.indexOf('\n', scanned);
      i !== -1 && i < start;
      i = text.indexOf('\n', i + 1)
    ) {
      line++;
      lineStart = i + 1;
    }
    scanned = start;
    let lineEnd = text.indexOf('\n', start);
    if (lineEnd === -1) lineEnd = text.length;
    if (lineEnd > lineStart && text[lineEnd - 1] === '\r') lineEnd--;
    const end = start + found[0].length;
    const from = Math.max(lineStart, start - PREVIEW_BEFORE);
    const to = Math.min(lineEnd, from + PREVIEW_LENGTH);
    matches.push({
      line,
      column: start - lineStart + 1,
      start,
      end,
      preview: text.slice(from, to),
      previewStart: start - from,
      previewEnd: Math.min(end, to) - from,
    });
  }
  return matches;
}

export interface SearchOutcome {
  results: FileMatches[];
  /** Files actually read. */
  searched: number;
  /** Files that would have been searched without the limits. */
  total: number;
  /** True when a limit stopped the search early. */
  truncated: boolean;
  /** Files that could not be read, with why. */
  failed: { path: string; message: string }[];
}

/**
 * Searches `paths` (in that order) for `pattern`, reading each with `read` (null = not text or too
 * big, skipped), a few at a time, stopping at the limits or when `signal` aborts. Calls
 * `onProgress` with the outcome so far after every batch, so results appear as they are found.
 */
export async function searchFiles(
  paths: readonly string[],
  read: (path: string, signal: AbortSignal) => Promise<string | null>,
  pattern: RegExp,
  signal: AbortSignal,
  onProgress: (outcome: SearchOutcome) => void = () => undefined,
  limits: SearchLimits = SEARCH_LIMITS,
): Promise<SearchOutcome> {
  const outcome: SearchOutcome = {
    results: [],
    searched: 0,
    total: paths.length,
    truncated: paths.length > limits.maxFiles,
    failed: [],
  };
  let found = 0;
  const todo = paths.slice(0, limits.maxFiles);
  for (let i = 0; i < todo.length; i += limits.concurrency) {
    signal.throwIfAborted();
    const batch = todo.slice(i, i + limits.concurrency);
    const texts = await Promise.all(
      batch.map((path) =>
        read(path, signal).then(
          (text) => ({ path, text }),
          (error: unknown) => ({ path, error }),
        ),
      ),
    );
    signal.throwIfAborted();
    for (const result of texts) {
      outcome.searched++;
      if ('error' in result) {
        const message = result.error instanceof Error ? result.error.message : String(result.error);
        outcome.failed.push({ path: result.path, message });
        continue;
      }
      if (result.text === null) continue;
      const matches = searchText(result.text, pattern, limits.maxResults - found);
      if (matches.length > 0) {
        outcome.results.push({ path: result.path, matches });
        found += matches.length;
      }
      if (found >= limits.maxResults) {
        outcome.truncated = true;
        onProgress({ ...outcome, results: [...outcome.results] });
        return outcome;
      }
    }
    onProgress({ ...outcome, results: [...outcome.results] });
  }
  return outcome;
}

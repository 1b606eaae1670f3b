/**
 * Ghost-text completion, without the editor: waits for a pause in typing, aborts what is in
 * flight on every keystroke, remembers answers, keeps a suggestion whose start the user is typing,
 * and backs off when the server says so. The Monaco glue is in editor/inlineCompletions.ts.
 */
import { ApiError, type CompletionRequest, type CompletionResult } from '../../api/client';

/** How long typing must pause before a completion is asked for. */
export const COMPLETION_DEBOUNCE_MS = 250;
/** The server's default limits on the code sent from either side of the cursor. */
export const MAX_PREFIX_CHARS = 8000;
export const MAX_SUFFIX_CHARS = 2000;
/** Answers remembered in the browser, least recently used dropped first. */
export const CACHE_ENTRIES = 200;
/** How far back the code before the cursor must match for typing through a suggestion. */
const TYPE_THROUGH_CONTEXT = 200;

export type FetchCompletion = (
  body: CompletionRequest,
  signal: AbortSignal,
) => Promise<CompletionResult | null>;

/** The part of Monaco's CancellationToken used here. */
export interface CancelToken {
  readonly isCancellationRequested: boolean;
  onCancellationRequested: (listener: () => void) => { dispose(): void };
}

/** What happened to the requests so far, for the benchmark and for tests. */
export interface CompletionStats {
  sent: number;
  aborted: number;
  answered: number;
  cacheHits: number;
  typedThrough: number;
}

interface Shown {
  key: string;
  prefixTail: string;
  text: string;
}

function keyOf(body: CompletionRequest): string {
  return [body.path, body.language ?? '', body.suffix, body.prefix].join('\u0000');
}

function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve(false);
      return;
    }
    const timer = setTimeout(() => {
      resolve(true);
    }, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve(false);
      },
      { once: true },
    );
  });
}

/**
 * A multi-line suggestion cannot be shown before code on the same line, so there only its first
 * line is kept.
 */
export function fitToLine(text: string, restOfLine: string): string {
  if (restOfLine.trim() === '') return text;
  const newline = text.indexOf('\n');
  return newline < 0 ? text : text.slice(0, newline);
}

export class InlineCompleter {
  readonly stats: CompletionStats = {
    sent: 0,
    aborted: 0,
    answered: 0,
    cacheHits: 0,
    typedThrough: 0,
  };
  private readonly cache = new Map<string, string>();
  private inFlight: AbortController | null = null;
  private shown: Shown | null = null;
  private maxPrefix = MAX_PREFIX_CHARS;
  private maxSuffix = MAX_SUFFIX_CHARS;
  private pausedUntil = 0;
  private off = false;

  constructor(
    private readonly fetchCompletion: FetchCompletion,
    private readonly debounceMs: number = COMPLETION_DEBOUNCE_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The suggestion for the cursor, or null. Every call is a keystroke or a move, so whatever was
   * still pending is aborted first; the token is the editor's, cancelled when it moves on too.
   */
  async suggest(request: CompletionRequest, token: CancelToken): Promise<string | null> {
    this.inFlight?.abort();
    this.inFlight = null;
    if (this.off || this.now() < this.pausedUntil || token.isCancellationRequested) return null;
    const body: CompletionRequest = {
      ...request,
      prefix: request.prefix.slice(Math.max(0, request.prefix.length - this.maxPrefix)),
      suffix: request.suffix.slice(0, this.maxSuffix),
    };
    const key = keyOf({ ...body, prefix: '' });
    const cached = this.cache.get(keyOf(body));
    if (cached !== undefined) {
      this.stats.cacheHits++;
      this.remember(keyOf(body), cached);
      this.show(key, body.prefix, cached);
      return cached || null;
    }
    const rest = this.typedThrough(key, body.prefix);
    if (rest !== null) {
      this.stats.typedThrough++;
      return rest;
    }
    const controller = new AbortController();
    this.inFlight = controller;
    const subscription = token.onCancellationRequested(() => {
      controller.abort();
    });
    let sent = false;
    try {
      if (!(await pause(this.debounceMs, controller.signal))) return null;
      sent = true;
      this.stats.sent++;
      const result = await this.fetchCompletion(body, controller.signal);
      if (controller.signal.aborted) {
        this.stats.aborted++;
        return null;
      }
      this.stats.answered++;
      if (result === null) return null; // past the server's latency budget: maybe next time
      this.remember(keyOf(body), result.completion);
      this.show(key, body.prefix, result.completion);
      return result.completion || null;
    } catch (error) {
      if (controller.signal.aborted) {
        if (sent) this.stats.aborted++;
        return null;
      }
      this.backOff(error);
      return null;
    } finally {
      subscription.dispose();
      if (this.inFlight === controller) this.inFlight = null;
    }
  }

  /** True once the server said completion is not available here (until the page reloads). */
  get disabled(): boolean {
    return this.off;
  }

  private remember(key: string, text: string) {
    this.cache.delete(key);
    this.cache.set(key, text);
    if (this.cache.size > CACHE_ENTRIES) {
      const oldest = this.cache.keys().next();
      if (!oldest.done) this.cache.delete(oldest.value);
    }
  }

  private show(key: string, prefix: string, text: string) {
    this.shown = { key, prefixTail: prefix.slice(-TYPE_THROUGH_CONTEXT), text };
  }

  /** When the characters typed since a suggestion are its start, the rest of it still fits. */
  private typedThrough(key: string, prefix: string): string | null {
    const shown = this.shown;
    if (!shown || shown.key !== key) return null;
    for (let typed = 1; typed < shown.text.length; typed++) {
      if (prefix.endsWith(shown.prefixTail + shown.text.slice(0, typed))) {
        return shown.text.slice(typed);
      }
    }
    return null;
  }

  private backOff(error: unknown) {
    if (!(error instanceof ApiError)) return;
    if (error.status === 413) {
      // the server allows less than the defaults: send half as much from now on
      this.maxPrefix = Math.max(100, Math.floor(this.maxPrefix / 2));
      this.maxSuffix = Math.floor(this.maxSuffix / 2);
    } else if (error.status === 429) {
      this.pausedUntil = this.now() + (error.retryAfterSeconds ?? 30) * 1000;
    } else if ([402, 403, 404, 503].includes(error.status)) {
      this.off = true;
    }
  }
}

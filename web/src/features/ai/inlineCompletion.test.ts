import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, type CompletionRequest, type CompletionResult } from '../../api/client';
import { fitToLine, InlineCompleter, type CancelToken } from './inlineCompletion';

interface Call {
  body: CompletionRequest;
  signal: AbortSignal;
  answer: (completion: string | null) => void;
  fail: (error: unknown) => void;
}

/** A server whose answers the test hands out one call at a time. */
function server() {
  const calls: Call[] = [];
  const fetch = vi.fn(
    (body: CompletionRequest, signal: AbortSignal) =>
      new Promise<CompletionResult | null>((resolve, reject) => {
        signal.addEventListener('abort', () => {
          reject(new DOMException('aborted', 'AbortError'));
        });
        calls.push({
          body,
          signal,
          answer: (completion) => {
            resolve(
              completion === null ? null : { completion, model: 'm', cached: false, latencyMs: 5 },
            );
          },
          fail: reject,
        });
      }),
  );
  return { calls, fetch };
}

function token(): CancelToken & { cancel: () => void } {
  const listeners: (() => void)[] = [];
  const t = {
    isCancellationRequested: false,
    onCancellationRequested: (listener: () => void) => {
      listeners.push(listener);
      return { dispose: () => listeners.splice(listeners.indexOf(listener), 1) };
    },
    cancel: () => {
      t.isCancellationRequested = true;
      [...listeners].forEach((l) => {
        l();
      });
    },
  };
  return t;
}

const at = (prefix: string, suffix = '\n'): CompletionRequest => ({
  path: 'calc.py',
  language: 'python',
  prefix,
  suffix,
});

describe('InlineCompleter', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('waitsForAPauseInTypingBeforeAsking', async () => {
    const s = server();
    const completer = new InlineCompleter(s.fetch, 250);
    const result = completer.suggest(at('total = '), token());
    await vi.advanceTimersByTimeAsync(249);
    expect(s.fetch).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(s.fetch).toHaveBeenCalledTimes(1);
    s.calls[0]?.answer('sum(x)');
    await expect(result).resolves.toBe('sum(x)');
  });

  it('aKeystrokeDuringThePauseSendsNothingForTheEarlierSpot', async () => {
    const s = server();
    const completer = new InlineCompleter(s.fetch, 250);
    const first = completer.suggest(at('t'), token());
    await vi.advanceTimersByTimeAsync(100);
    const second = completer.suggest(at('to'), token());
    await expect(first).resolves.toBeNull();
    await vi.advanceTimersByTimeAsync(250);
    expect(s.fetch).toHaveBeenCalledTimes(1);
    expect(s.calls[0]?.body.prefix).toBe('to');
    s.calls[0]?.answer('tal');
    await expect(second).resolves.toBe('tal');
    expect(completer.stats).toMatchObject({ sent: 1, aborted: 0, answered: 1 });
  });

  it('everyKeystrokeAbortsTheRequestInFlight', async () => {
    const s = server();
    const completer = new InlineCompleter(s.fetch, 250);
    const first = completer.suggest(at('x = '), token());
    await vi.advanceTimersByTimeAsync(250);
    expect(s.calls[0]?.signal.aborted).toBe(false);
    const second = completer.suggest(at('x = 1'), token());
    expect(s.calls[0]?.signal.aborted).toBe(true);
    await expect(first).resolves.toBeNull();
    await vi.advanceTimersByTimeAsync(250);
    s.calls[1]?.answer(' + 2');
    await expect(second).resolves.toBe(' + 2');
    expect(completer.stats).toMatchObject({ sent: 2, aborted: 1, answered: 1 });
  });

  it('theEditorCancellingItsRequestAbortsTheFetch', async () => {
    const s = server();
    const completer = new InlineCompleter(s.fetch, 250);
    const t = token();
    const result = completer.suggest(at('y = '), t);
    await vi.advanceTimersByTimeAsync(250);
    t.cancel();
    expect(s.calls[0]?.signal.aborted).toBe(true);
    await expect(result).resolves.toBeNull();
  });

  it('theSameSpotAgainIsAnsweredFromTheCacheAtOnce', async () => {
    const s = server();
    const completer = new InlineCompleter(s.fetch, 250);
    const first = completer.suggest(at('total = '), token());
    await vi.advanceTimersByTimeAsync(250);
    s.calls[0]?.answer('sum(x)');
    await first;
    await expect(completer.suggest(at('total = '), token())).resolves.toBe('sum(x)');
    expect(s.fetch).toHaveBeenCalledTimes(1);
    expect(completer.stats.cacheHits).toBe(1);
  });

  it('typingTheStartOfASuggestionKeepsTheRestWithoutAsking', async () => {
    const s = server();
    const completer = new InlineCompleter(s.fetch, 250);
    const first = completer.suggest(at('def add(a, b):\n    '), token());
    await vi.advanceTimersByTimeAsync(250);
    s.calls[0]?.answer('return a + b');
    await first;
    await expect(completer.suggest(at('def add(a, b):\n    ret'), token())).resolves.toBe(
      'urn a + b',
    );
    // a character the suggestion does not continue with asks afresh
    void completer.suggest(at('def add(a, b):\n    rex'), token());
    await vi.advanceTimersByTimeAsync(250);
    expect(s.fetch).toHaveBeenCalledTimes(2);
    expect(completer.stats.typedThrough).toBe(1);
  });

  it('noAnswerWithinTheServersBudgetIsNotRemembered', async () => {
    const s = server();
    const completer = new InlineCompleter(s.fetch, 250);
    const first = completer.suggest(at('slow = '), token());
    await vi.advanceTimersByTimeAsync(250);
    s.calls[0]?.answer(null);
    await expect(first).resolves.toBeNull();
    void completer.suggest(at('slow = '), token());
    await vi.advanceTimersByTimeAsync(250);
    expect(s.fetch).toHaveBeenCalledTimes(2);
  });

  it('sendsAtMostTheLimitsAndHalvesThemWhenTheServerAllowsLess', async () => {
    const s = server();
    const completer = new InlineCompleter(s.fetch, 0);
    const first = completer.suggest(at('a'.repeat(9000), 'b'.repeat(3000)), token());
    await vi.advanceTimersByTimeAsync(0);
    expect(s.calls[0]?.body.prefix.length).toBe(8000);
    expect(s.calls[0]?.body.suffix.length).toBe(2000);
    s.calls[0]?.fail(new ApiError(413, 'completion_context_too_large', 'too much'));
    await expect(first).resolves.toBeNull();
    void completer.suggest(at('c'.repeat(9000), 'd'.repeat(3000)), token());
    await vi.advanceTimersByTimeAsync(0);
    expect(s.calls[1]?.body.prefix.length).toBe(4000);
    expect(s.calls[1]?.body.suffix.length).toBe(1000);
  });

  it('waitsOutTheRateLimitAndStopsWhenTheAssistantIsOff', async () => {
    const s = server();
    let now = 0;
    const completer = new InlineCompleter(s.fetch, 0, () => now);
    const limited = completer.suggest(at('a'), token());
    await vi.advanceTimersByTimeAsync(0);
    s.calls[0]?.fail(new ApiError(429, 'ai_rate_limited', 'slow down', undefined, 20));
    await limited;
    now = 19_000;
    await expect(completer.suggest(at('b'), token())).resolves.toBeNull();
    expect(s.fetch).toHaveBeenCalledTimes(1);
    now = 20_000;
    const off = completer.suggest(at('c'), token());
    await vi.advanceTimersByTimeAsync(0);
    s.calls[1]?.fail(new ApiError(503, 'ai_not_configured', 'no provider'));
    await off;
    expect(completer.disabled).toBe(true);
    await expect(completer.suggest(at('d'), token())).resolves.toBeNull();
    expect(s.fetch).toHaveBeenCalledTimes(2);
  });
});

describe('fitToLine', () => {
  it('keepsOnlyTheFirstLineBeforeCodeOnTheSameLine', () => {
    expect(fitToLine('a\nb', ')')).toBe('a');
    expect(fitToLine('a\nb', '   ')).toBe('a\nb');
  });
});

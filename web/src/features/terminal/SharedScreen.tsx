import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { useEffect, useEffectEvent, useImperativeHandle, useRef, type Ref } from 'react';
import type { ScreenEffect } from './terminalView';

export interface ScreenHandle {
  apply: (effect: ScreenEffect) => void;
  /** The size that would fill the panel, once it is laid out. */
  fittingSize: () => { cols: number; rows: number } | null;
  focus: () => void;
}

/**
 * The xterm.js screen of the shared terminal. It always has the session's size (every viewer sees
 * the same layout); `onFit` reports the size that would fill the panel so an editor's panel can
 * ask for it, and `onData` carries keystrokes when `interactive`.
 */
export function SharedScreen({
  ref,
  interactive,
  onData,
  onFit,
}: {
  ref: Ref<ScreenHandle>;
  interactive: boolean;
  onData: (data: string) => void;
  onFit: (cols: number, rows: number) => void;
}) {
  const host = useRef<HTMLDivElement>(null);
  const terminal = useRef<Terminal | null>(null);
  const fitter = useRef<FitAddon | null>(null);
  // Effects that arrive before the terminal opened (a fast replay) are applied on open.
  const pending = useRef<ScreenEffect[]>([]);
  const typed = useEffectEvent(onData);
  const fitted = useEffectEvent(onFit);

  useImperativeHandle(
    ref,
    () => ({
      apply: (effect) => {
        if (terminal.current) applyTo(terminal.current, effect);
        else pending.current.push(effect);
      },
      fittingSize: () => {
        try {
          const size = fitter.current?.proposeDimensions();
          return size && size.cols > 0 && size.rows > 0 ? size : null;
        } catch {
          return null;
        }
      },
      focus: () => terminal.current?.focus(),
    }),
    [],
  );

  useEffect(() => {
    const element = host.current;
    if (!element) return;
    const term = new Terminal({
      cursorBlink: true,
      fontSize: 13,
      scrollback: 5000,
      fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace',
    });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(element);
    terminal.current = term;
    fitter.current = fit;
    for (const effect of pending.current) applyTo(term, effect);
    pending.current = [];
    const data = term.onData((text) => {
      typed(text);
    });
    const report = () => {
      try {
        const size = fit.proposeDimensions();
        if (size && size.cols > 0 && size.rows > 0) fitted(size.cols, size.rows);
      } catch {
        // Not laid out yet (hidden panel): the next resize reports it.
      }
    };
    const observer = new ResizeObserver(report);
    observer.observe(element);
    return () => {
      observer.disconnect();
      data.dispose();
      terminal.current = null;
      fitter.current = null;
      term.dispose();
    };
  }, []);

  useEffect(() => {
    if (terminal.current) terminal.current.options.disableStdin = !interactive;
  }, [interactive]);

  return (
    <div
      className="shared-terminal-screen"
      ref={host}
      role="application"
      aria-label={interactive ? 'Shared terminal' : 'Shared terminal (read-only)'}
    />
  );
}

function applyTo(term: Terminal, effect: ScreenEffect): void {
  if (effect.kind === 'reset') term.reset();
  else if (effect.kind === 'write') term.write(effect.data);
  else term.resize(effect.cols, effect.rows);
}

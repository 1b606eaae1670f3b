import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { useEffect, useImperativeHandle, useRef, type Ref } from 'react';

export interface TerminalHandle {
  write: (text: string) => void;
  clear: () => void;
}

/** A read-only xterm.js view of a run's output; ANSI colours render as the program wrote them. */
export function RunTerminal({ ref, label }: { ref: Ref<TerminalHandle>; label: string }) {
  const host = useRef<HTMLDivElement>(null);
  const terminal = useRef<Terminal | null>(null);
  // Text written before the terminal opened (a fast replay) is kept and flushed on open.
  const pending = useRef<string[]>([]);

  useImperativeHandle(
    ref,
    () => ({
      write: (text) => {
        if (terminal.current) terminal.current.write(text);
        else pending.current.push(text);
      },
      clear: () => {
        pending.current = [];
        terminal.current?.reset();
      },
    }),
    [],
  );

  useEffect(() => {
    const element = host.current;
    if (!element) return;
    const term = new Terminal({
      convertEol: false,
      disableStdin: true,
      cursorBlink: false,
      fontSize: 13,
      scrollback: 5000,
      fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace',
    });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(element);
    terminal.current = term;
    for (const text of pending.current) term.write(text);
    pending.current = [];
    const refit = () => {
      try {
        fit.fit();
      } catch {
        // Not laid out yet (hidden panel): the next resize fits it.
      }
    };
    refit();
    const observer = new ResizeObserver(refit);
    observer.observe(element);
    return () => {
      observer.disconnect();
      terminal.current = null;
      term.dispose();
    };
  }, []);

  return <div className="run-terminal" ref={host} role="log" aria-label={label} />;
}

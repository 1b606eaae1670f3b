import { useEffect, useEffectEvent, useRef, useState } from 'react';
import type { LiveChannel } from '../../live/liveChannel';
import type { TerminalSessionState } from '../../live/messages';
import {
  acceptTerminalEvent,
  EMPTY_VIEW,
  inputPieces,
  subscribeCommand,
  type ScreenEffect,
  type TerminalView,
} from './terminalView';

export interface TerminalProblem {
  code: string;
  message: string;
}

export interface SharedTerminal {
  session: TerminalSessionState | null;
  problem: TerminalProblem | null;
  open: (cols: number, rows: number) => void;
  input: (data: string) => void;
  resize: (cols: number, rows: number) => void;
  close: () => void;
}

/**
 * Follows the project's shared terminal over the live channel: subscribes (again after each
 * reconnect, resuming after what is shown), hands screen effects to `onEffect` in order, and
 * sends an editor's keystrokes, resizes and open/close requests.
 */
export function useSharedTerminal(
  channel: LiveChannel | null,
  onEffect: (effect: ScreenEffect) => void,
): SharedTerminal {
  const view = useRef<TerminalView>(EMPTY_VIEW);
  const [session, setSession] = useState<TerminalSessionState | null>(null);
  const [problem, setProblem] = useState<TerminalProblem | null>(null);
  const apply = useEffectEvent(onEffect);

  useEffect(() => {
    if (!channel) return;
    const stopMessages = channel.onMessage((message) => {
      if (!('channel' in message) || message.channel !== 'terminal') return;
      if (message.event === 'error') {
        setProblem({ code: message.code, message: message.message });
        return;
      }
      const result = acceptTerminalEvent(view.current, message);
      view.current = result.view;
      result.effects.forEach((effect) => {
        apply(effect);
      });
      if (message.event === 'state') {
        setSession(result.view.session);
        if (result.view.session?.state === 'running') setProblem(null);
      }
    });
    const stopOpen = channel.onOpen(() => {
      channel.send(subscribeCommand(view.current));
    });
    return () => {
      stopMessages();
      stopOpen();
      channel.send({ type: 'terminal-unsubscribe' });
    };
  }, [channel]);

  return {
    session,
    problem,
    open: (cols, rows) => {
      setProblem(null);
      channel?.send({ type: 'terminal-open', cols, rows });
    },
    input: (data) => {
      for (const piece of inputPieces(data)) channel?.send({ type: 'terminal-input', data: piece });
    },
    resize: (cols, rows) => {
      channel?.send({ type: 'terminal-resize', cols, rows });
    },
    close: () => {
      channel?.send({ type: 'terminal-close' });
    },
  };
}

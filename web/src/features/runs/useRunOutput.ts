import { useEffect, useEffectEvent, useRef } from 'react';
import type { LiveChannel } from '../../live/liveChannel';
import { acceptOutput, EMPTY_OUTPUT, type OutputPiece, type RunOutput } from './runOutput';

/**
 * Follows one run's output over the live channel: subscribes after what was already shown (so a
 * reconnect resumes without repeats), resubscribes when a gap shows up, and hands each new
 * piece to `onPiece` in sequence order. `onReset` is called when the run changes.
 */
export function useRunOutput(
  channel: LiveChannel | null,
  runId: string | null,
  onPiece: (piece: OutputPiece) => void,
  onReset: () => void,
): void {
  const output = useRef<RunOutput>(EMPTY_OUTPUT);
  const emit = useEffectEvent(onPiece);
  const reset = useEffectEvent(onReset);

  useEffect(() => {
    output.current = EMPTY_OUTPUT;
    reset();
    if (!channel || runId === null) return;
    const subscribe = () => {
      channel.send({ type: 'subscribe-run', runId, afterSeq: output.current.lastSeq });
    };
    const stopMessages = channel.onMessage((message) => {
      if (!('channel' in message) || message.channel !== 'run' || message.runId !== runId) return;
      if (message.event !== 'output') return;
      const result = acceptOutput(output.current, message);
      if (result.kind === 'append') {
        output.current = result.output;
        emit(result.piece);
      } else if (result.kind === 'gap') {
        subscribe();
      }
    });
    const stopOpen = channel.onOpen(subscribe);
    return () => {
      stopMessages();
      stopOpen();
      channel.send({ type: 'unsubscribe-run', runId });
    };
  }, [channel, runId]);
}

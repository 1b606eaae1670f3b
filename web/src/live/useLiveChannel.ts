import { createContext, useContext, useEffect, useState } from 'react';
import { LiveChannel, liveUrl, type LiveStatus } from './liveChannel';

export interface LiveState {
  status: LiveStatus;
  channel: LiveChannel | null;
}

/** Opens the project's live channel for as long as the component is mounted. */
export function useLiveChannel(projectId: string): LiveState {
  const [state, setState] = useState<LiveState & { projectId: string }>({
    projectId,
    status: 'connecting',
    channel: null,
  });

  useEffect(() => {
    const channel = new LiveChannel(liveUrl(projectId, window.location));
    channel.onStatus((status) => {
      setState({ projectId, status, channel });
    });
    channel.connect();
    return () => {
      channel.close();
    };
  }, [projectId]);

  return state.projectId === projectId
    ? { status: state.status, channel: state.channel }
    : { status: 'connecting', channel: null };
}

/** The open project's live channel, for the panels inside the IDE. */
export const LiveContext = createContext<LiveState>({ status: 'connecting', channel: null });

export function useLiveContext(): LiveState {
  return useContext(LiveContext);
}

import { useEffect } from 'react';
import { api } from '../../api/client';
import { useResource } from '../../api/resource';

/** The models members may pick in a project (its own provider's, else the server's). */
export function useAiModels(projectId: string) {
  return useResource(`ai-models:${projectId}`, (signal) => api.ai.models(projectId, signal));
}

interface ModelPickerProps {
  projectId: string;
  /** The chosen model; empty for the project's default chat model. */
  value: string;
  onChange: (model: string) => void;
}

/** Picks the model for the next question; hidden while there is nothing to choose between. */
export function ModelPicker({ projectId, value, onChange }: ModelPickerProps) {
  const offer = useAiModels(projectId);
  const models = offer.state.status === 'ready' ? offer.state.data.models : null;
  const stale = value !== '' && models !== null && !models.includes(value);
  useEffect(() => {
    // the owners changed the provider since this model was picked
    if (stale) onChange('');
  }, [stale, onChange]);
  if (offer.state.status !== 'ready' || !offer.state.data.configured) return null;
  const { chatModel, models: offered } = offer.state.data;
  if (offered.length < 2) return null;
  return (
    <select
      className="ai-model"
      aria-label="Model"
      value={value || chatModel}
      onChange={(event) => {
        onChange(event.target.value === chatModel ? '' : event.target.value);
      }}
    >
      {offered.map((model) => (
        <option key={model} value={model}>
          {model === chatModel ? `${model} (default)` : model}
        </option>
      ))}
    </select>
  );
}

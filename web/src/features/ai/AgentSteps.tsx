import { useState } from 'react';
import type { AgentStep } from '../../api/client';
import { stepStatus, stepTitle } from './agentSteps';

interface AgentStepsProps {
  steps: readonly AgentStep[];
  canDecide: boolean;
  onDecide: (step: AgentStep, verdict: 'approve' | 'reject', reason?: string) => void;
}

/** The steps of one agent answer: thoughts, and tool calls that open to show arguments and result. */
export function AgentSteps({ steps, canDecide, onDecide }: AgentStepsProps) {
  return (
    <ol className="agent-steps" aria-label="Agent steps">
      {steps.map((step) =>
        step.kind === 'thought' ? (
          <li key={step.id} className="agent-thought">
            {step.text}
          </li>
        ) : (
          <li key={step.id} className={`agent-call agent-call-${step.status}`}>
            <ToolCall step={step} canDecide={canDecide} onDecide={onDecide} />
          </li>
        ),
      )}
    </ol>
  );
}

function ToolCall({
  step,
  canDecide,
  onDecide,
}: { step: AgentStep } & Omit<AgentStepsProps, 'steps'>) {
  const [reason, setReason] = useState('');
  const pending = step.status === 'pending';
  return (
    <details open={pending}>
      <summary>
        <span className="agent-call-title">{stepTitle(step)}</span>
        <span className="muted"> · {stepStatus(step)}</span>
      </summary>
      {step.arguments && Object.keys(step.arguments).length > 0 && (
        <pre className="agent-arguments" aria-label="Arguments">
          {JSON.stringify(step.arguments, null, 2)}
        </pre>
      )}
      {step.result !== undefined && (
        <pre className="agent-result" aria-label="Result">
          {step.result}
        </pre>
      )}
      {pending &&
        (canDecide ? (
          <div className="agent-decision">
            <input
              type="text"
              aria-label="Reason (optional)"
              placeholder="Reason (optional)"
              value={reason}
              onChange={(e) => {
                setReason(e.target.value);
              }}
            />
            <button
              type="button"
              className="button button-primary"
              onClick={() => {
                onDecide(step, 'approve', reason.trim() || undefined);
              }}
            >
              Approve
            </button>
            <button
              type="button"
              className="button"
              onClick={() => {
                onDecide(step, 'reject', reason.trim() || undefined);
              }}
            >
              Reject
            </button>
          </div>
        ) : (
          <p className="muted">Waiting for an editor or the owner to approve.</p>
        ))}
    </details>
  );
}

import type { AgentStep } from '../../api/client';

/** Steps of agent runs, keyed by the answer (message id) they belong to, in order. */
export type StepsByAnswer = Readonly<Record<string, readonly AgentStep[]>>;

/** How far a step has come; a later state never gives way to an earlier one. */
const PROGRESS: Record<AgentStep['status'], number> = {
  pending: 0,
  running: 1,
  done: 2,
  failed: 2,
  rejected: 2,
  expired: 2,
  cancelled: 2,
};

function later(a: AgentStep, b: AgentStep): AgentStep {
  return PROGRESS[b.status] >= PROGRESS[a.status] ? b : a;
}

/** Folds one step (new, or a change of a known one) into the steps of its answer. */
export function applyStep(steps: StepsByAnswer, step: AgentStep): StepsByAnswer {
  const current = steps[step.messageId] ?? [];
  const known = current.find((s) => s.id === step.id);
  const next = known
    ? current.map((s) => (s.id === step.id ? later(s, step) : s))
    : [...current, step].sort((a, b) => a.seq - b.seq);
  return { ...steps, [step.messageId]: next };
}

/** The stored steps of a thread with what the live channel told since; the furthest state wins. */
export function mergeSteps(stored: readonly AgentStep[], live: StepsByAnswer): StepsByAnswer {
  let merged: StepsByAnswer = {};
  for (const step of stored) merged = applyStep(merged, step);
  for (const steps of Object.values(live)) {
    for (const step of steps) merged = applyStep(merged, step);
  }
  return merged;
}

/** The steps waiting for a participant's decision. */
export function pendingSteps(steps: StepsByAnswer): AgentStep[] {
  return Object.values(steps)
    .flat()
    .filter((s) => s.status === 'pending');
}

function text(args: Record<string, unknown> | undefined, key: string): string | undefined {
  const value = args?.[key];
  return typeof value === 'string' ? value : undefined;
}

/** A one-line title for a tool call: what it does and to what. */
export function stepTitle(step: AgentStep): string {
  const args = step.arguments;
  switch (step.tool) {
    case 'list_files':
      return `List files${text(args, 'prefix') ? ` under ${text(args, 'prefix') ?? ''}` : ''}`;
    case 'read_file':
      return `Read ${text(args, 'path') ?? 'a file'}`;
    case 'search':
      return `Search for “${text(args, 'query') ?? ''}”`;
    case 'write_file':
      return `Write ${text(args, 'path') ?? 'a file'}`;
    case 'edit_file':
      return `Edit ${text(args, 'path') ?? 'a file'}`;
    case 'delete_file':
      return `Delete ${text(args, 'path') ?? 'a file'}`;
    case 'run_command':
      return `Run ${text(args, 'command') ?? 'a command'}`;
    case 'git_status':
      return 'Git status';
    case 'git_diff':
      return `Git diff${text(args, 'path') ? ` of ${text(args, 'path') ?? ''}` : ''}`;
    default:
      return step.tool ?? 'Step';
  }
}

/** Words for where a step stands, including who decided it. */
export function stepStatus(step: AgentStep): string {
  const by = step.decidedByName ? ` by ${step.decidedByName}` : '';
  switch (step.status) {
    case 'pending':
      return 'waiting for approval';
    case 'running':
      return step.decision === 'approved' ? `approved${by}, running` : 'running';
    case 'done':
      if (step.decision === 'approved') return `approved${by}, done`;
      if (step.decision === 'auto') return 'applied automatically';
      return 'done';
    case 'failed':
      return 'failed';
    case 'rejected':
      return `rejected${by}${step.reason ? `: ${step.reason}` : ''}`;
    case 'expired':
      return 'not approved in time';
    case 'cancelled':
      return 'cancelled';
  }
}

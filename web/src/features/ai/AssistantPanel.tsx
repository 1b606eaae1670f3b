import { useState, type SubmitEvent } from 'react';
import type { AgentStep, ChatMessage } from '../../api/client';
import { editorSelection } from '../../editor/editorSelection';
import { useLiveContext } from '../../live/useLiveChannel';
import { AgentSteps } from './AgentSteps';
import { CodeBlock, ContextList, ProposalList } from './AnswerParts';
import { CodeActionsBar } from './CodeActionsBar';
import { answerState, describeAiError, parseBlocks } from './liveAnswers';
import { ModelPicker } from './ModelPicker';
import { ProposalReview, type ReviewTarget } from './ProposalReview';
import { useAgent } from './useAgent';
import { useAssistant } from './useAssistant';
import './ai.css';

/** Ask the assistant about the project; answers stream to everyone in the project. */
export function AssistantPanel({
  projectId,
  canEdit,
  isOwner = false,
}: {
  projectId: string;
  canEdit: boolean;
  isOwner?: boolean;
}) {
  const { channel } = useLiveContext();
  const ai = useAssistant(projectId, channel);
  const agent = useAgent(projectId, ai.threadId, channel);
  const [agentMode, setAgentMode] = useState(false);
  const [draft, setDraft] = useState('');
  const [review, setReview] = useState<ReviewTarget | null>(null);
  const [applyError, setApplyError] = useState<string | null>(null);
  const [model, setModel] = useState('');
  const autoApply = agent.settings.status === 'ready' && agent.settings.data.autoApply;
  const threads = ai.threads.state.status === 'ready' ? ai.threads.state.data : [];
  const answerTools: AnswerTools = {
    canEdit,
    decide: (step, verdict, reason) => void agent.decide(step, verdict, reason),
    review: (target) => {
      setApplyError(null);
      setReview(target);
    },
    applyBlock: (path, content) => {
      const target = path ?? editorSelection()?.path ?? null;
      if (target === null) {
        setApplyError('Open the file to apply this to, or ask for a block that names its path.');
        return;
      }
      setApplyError(null);
      setReview({ kind: 'block', path: target, content });
    },
  };

  const submit = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    const text = draft.trim();
    if (!text) return;
    setDraft('');
    void ai.ask(text, model || undefined, agentMode ? 'agent' : 'chat');
  };

  // Whoever started it, the answer in progress is an agent run or a chat answer: stop either.
  const stop = async () => {
    if (!(await agent.stop())) await ai.stop();
  };

  return (
    <div className="ai-panel">
      <nav className="ai-threads" aria-label="Assistant threads">
        <button
          type="button"
          className="button"
          onClick={() => {
            ai.setThreadId(null);
          }}
        >
          New thread
        </button>
        {ai.threads.state.status === 'error' && (
          <p className="alert alert-error" role="alert">
            {describeAiError(ai.threads.state.error.code, ai.threads.state.error.message)}
          </p>
        )}
        <ul>
          {threads.map((thread) => (
            <li key={thread.id}>
              <button
                type="button"
                className="ai-thread"
                aria-pressed={thread.id === ai.threadId}
                onClick={() => {
                  ai.setThreadId(thread.id);
                }}
              >
                {thread.title || 'Untitled'}
              </button>
            </li>
          ))}
        </ul>
      </nav>
      <div className="ai-conversation">
        {canEdit && (
          <CodeActionsBar disabled={ai.asking} onRun={(request) => void ai.act(request)} />
        )}
        <div className="ai-messages" aria-live="polite" aria-label="Assistant messages" role="log">
          {ai.threadId === null && ai.messages.length === 0 && (
            <p className="muted">
              Ask about the project. The open file and your selection are sent along.
            </p>
          )}
          {ai.messages.map((message) => (
            <Message
              key={message.id}
              message={message}
              steps={agent.steps[message.id]}
              tools={answerTools}
            />
          ))}
        </div>
        {applyError && (
          <p className="alert alert-error" role="alert">
            {applyError}
          </p>
        )}
        {review && (
          <ProposalReview
            key={review.kind === 'proposal' ? review.id : review.path + review.content}
            projectId={projectId}
            target={review}
            canEdit={canEdit}
            onClose={() => {
              setReview(null);
            }}
          />
        )}
        {ai.error && (
          <p className="alert alert-error" role="alert">
            {describeAiError(ai.error.code, ai.error.message, ai.error.retryAfterSeconds)}
          </p>
        )}
        {agent.error && (
          <p className="alert alert-error" role="alert">
            {describeAiError(agent.error.code, agent.error.message)}
          </p>
        )}
        <div className="agent-mode">
          {canEdit && (
            <label>
              <input
                type="checkbox"
                checked={agentMode}
                onChange={(e) => {
                  setAgentMode(e.target.checked);
                }}
              />{' '}
              Agent
            </label>
          )}
          {isOwner ? (
            <label title="Let the agent edit files and run commands without waiting for approval">
              <input
                type="checkbox"
                checked={autoApply}
                disabled={agent.settings.status !== 'ready'}
                onChange={(e) => void agent.setAutoApply(e.target.checked)}
              />{' '}
              Auto-apply edits and runs
            </label>
          ) : (
            autoApply && (
              <span className="muted">The agent’s edits and runs apply without approval.</span>
            )
          )}
        </div>
        {canEdit ? (
          <form className="ai-input" onSubmit={submit}>
            <textarea
              aria-label={agentMode ? 'Task for the agent' : 'Question for the assistant'}
              rows={2}
              value={draft}
              onChange={(e) => {
                setDraft(e.target.value);
              }}
              onKeyDown={(e) => {
                if (e.key === 'Enter' && !e.shiftKey) {
                  e.preventDefault();
                  e.currentTarget.form?.requestSubmit();
                }
              }}
            />
            <ModelPicker projectId={projectId} value={model} onChange={setModel} />
            {ai.streaming ? (
              <button type="button" className="button" onClick={() => void stop()}>
                Stop
              </button>
            ) : (
              <button type="submit" className="button button-primary" disabled={ai.asking}>
                {agentMode ? 'Start' : 'Ask'}
              </button>
            )}
          </form>
        ) : (
          <p className="muted">Viewers can read the assistant’s threads but not ask.</p>
        )}
      </div>
    </div>
  );
}

/** What an answer's parts can do in this panel. */
interface AnswerTools {
  canEdit: boolean;
  decide: (step: AgentStep, verdict: 'approve' | 'reject', reason?: string) => void;
  review: (target: ReviewTarget) => void;
  applyBlock: (path: string | null, content: string) => void;
}

interface MessageProps {
  message: ChatMessage;
  /** The agent's steps when the answer is an agent run's. */
  steps: readonly AgentStep[] | undefined;
  tools: AnswerTools;
}

function Message({ message, steps, tools }: MessageProps) {
  const state = answerState(message);
  return (
    <article className={`ai-message ai-message-${message.role}`}>
      <header className="muted">
        {message.role === 'user' ? 'Question' : steps ? 'Agent' : 'Assistant'}
        {state && ` · ${state}`}
      </header>
      {steps && <AgentSteps steps={steps} canDecide={tools.canEdit} onDecide={tools.decide} />}
      {parseBlocks(message.content).map((block, index) =>
        block.kind === 'paragraph' ? (
          <p key={index}>{block.text}</p>
        ) : (
          <CodeBlock
            key={index}
            code={block.code}
            info={block.lang}
            canEdit={tools.canEdit && message.status !== 'streaming'}
            complete={block.closed || message.status !== 'streaming'}
            onApply={tools.applyBlock}
          />
        ),
      )}
      {message.error?.message && (
        <p className="alert alert-error" role="alert">
          {describeAiError(message.error.code ?? '', message.error.message)}
        </p>
      )}
      {message.role === 'assistant' && (
        <>
          <ProposalList
            proposals={message.context?.proposals ?? []}
            canEdit={tools.canEdit}
            onReview={(proposal) => {
              tools.review({ kind: 'proposal', id: proposal.id, path: proposal.path });
            }}
          />
          <ContextList pieces={message.context?.sent ?? []} />
        </>
      )}
    </article>
  );
}

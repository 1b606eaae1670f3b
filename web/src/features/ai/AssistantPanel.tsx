import { useState, type SubmitEvent } from 'react';
import type { ChatMessage } from '../../api/client';
import { useLiveContext } from '../../live/useLiveChannel';
import { describeAiError, parseBlocks } from './liveAnswers';
import { ModelPicker } from './ModelPicker';
import { useAssistant } from './useAssistant';
import './ai.css';

/** Ask the assistant about the project; answers stream to everyone in the project. */
export function AssistantPanel({ projectId, canEdit }: { projectId: string; canEdit: boolean }) {
  const { channel } = useLiveContext();
  const ai = useAssistant(projectId, channel);
  const [draft, setDraft] = useState('');
  const [model, setModel] = useState('');
  const threads = ai.threads.state.status === 'ready' ? ai.threads.state.data : [];

  const submit = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    const text = draft.trim();
    if (!text) return;
    setDraft('');
    void ai.ask(text, model || undefined);
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
        <div className="ai-messages" aria-live="polite" aria-label="Assistant messages" role="log">
          {ai.threadId === null && ai.messages.length === 0 && (
            <p className="muted">
              Ask about the project. The open file and your selection are sent along.
            </p>
          )}
          {ai.messages.map((message) => (
            <Message key={message.id} message={message} />
          ))}
        </div>
        {ai.error && (
          <p className="alert alert-error" role="alert">
            {describeAiError(ai.error.code, ai.error.message, ai.error.retryAfterSeconds)}
          </p>
        )}
        {canEdit ? (
          <form className="ai-input" onSubmit={submit}>
            <textarea
              aria-label="Question for the assistant"
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
              <button type="button" className="button" onClick={() => void ai.stop()}>
                Stop
              </button>
            ) : (
              <button type="submit" className="button button-primary" disabled={ai.asking}>
                Ask
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

function Message({ message }: { message: ChatMessage }) {
  return (
    <article className={`ai-message ai-message-${message.role}`}>
      <header className="muted">
        {message.role === 'user' ? 'Question' : 'Assistant'}
        {message.status === 'streaming' && ' · writing…'}
        {message.status === 'partial' && ' · stopped'}
      </header>
      {parseBlocks(message.content).map((block, index) =>
        block.kind === 'paragraph' ? (
          <p key={index}>{block.text}</p>
        ) : (
          <CodeBlock key={index} code={block.code} lang={block.lang} />
        ),
      )}
      {message.error?.message && (
        <p className="alert alert-error" role="alert">
          {describeAiError(message.error.code ?? '', message.error.message)}
        </p>
      )}
    </article>
  );
}

function CodeBlock({ code, lang }: { code: string; lang: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="ai-code">
      <button
        type="button"
        className="button ai-copy"
        onClick={() => {
          void navigator.clipboard.writeText(code).then(() => {
            setCopied(true);
          });
        }}
      >
        {copied ? 'Copied' : 'Copy'}
      </button>
      <pre data-lang={lang || undefined}>
        <code>{code}</code>
      </pre>
    </div>
  );
}

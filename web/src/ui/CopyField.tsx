import { useId, useRef, useState } from 'react';

type CopyStatus = 'idle' | 'copied' | 'manual';

/** A read-only value (a secret, a link) with a button that copies it to the clipboard. */
export function CopyField({ label, value }: { label: string; value: string }) {
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [status, setStatus] = useState<CopyStatus>('idle');

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setStatus('copied');
    } catch {
      // No clipboard access (insecure origin, denied permission): let the reader copy by hand.
      input.current?.select();
      setStatus('manual');
    }
  };

  return (
    <div className="field copy-field">
      <label htmlFor={id}>{label}</label>
      <div className="copy-row">
        <input
          id={id}
          ref={input}
          readOnly
          value={value}
          onFocus={(event) => {
            event.currentTarget.select();
          }}
        />
        <button
          type="button"
          className="button"
          aria-label={`Copy ${label.toLowerCase()}`}
          onClick={() => void copy()}
        >
          Copy
        </button>
      </div>
      <small className="hint" role="status">
        {status === 'copied' && 'Copied to the clipboard.'}
        {status === 'manual' && 'Selected — press Ctrl+C (⌘C on a Mac) to copy.'}
      </small>
    </div>
  );
}

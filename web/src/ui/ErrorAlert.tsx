import type { ApiError } from '../api/client';

/**
 * Describes an API failure as a sentence (the server's messages may be terse fragments),
 * including when a rate limit lifts.
 */
export function describeError(error: ApiError): string {
  const trimmed = error.message.trim();
  // Capitalise a plain first word, but never a property name such as `expiresInHours:`.
  const capitalised = /^[a-z]+(?![\w:])/.test(trimmed)
    ? trimmed.charAt(0).toUpperCase() + trimmed.slice(1)
    : trimmed;
  const sentence = /[.!?…]$/.test(capitalised) ? capitalised : `${capitalised}.`;
  if (error.retryAfterSeconds === undefined) return sentence;
  const seconds = Math.ceil(error.retryAfterSeconds);
  if (sentence.includes(String(seconds))) return sentence;
  return `${sentence} Try again in ${seconds} second${seconds === 1 ? '' : 's'}.`;
}

/** Announces an error to assistive technology as soon as it appears. */
export function ErrorAlert({ error, id }: { error: ApiError | null | undefined; id?: string }) {
  if (!error) return null;
  return (
    <p className="alert alert-error" role="alert" id={id}>
      {describeError(error)}
    </p>
  );
}

/** An inline error in plain words with its code (already formatted by describeError). */
import type { JSX } from 'react';

/** Render an error line as an alert; nothing when `error` is null. */
export function ErrorText({ error }: { error: string | null | undefined }): JSX.Element | null {
  if (!error) return null;
  return (
    <p className="error-text" role="alert">
      {error}
    </p>
  );
}

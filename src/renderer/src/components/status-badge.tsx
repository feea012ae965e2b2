/** A job status as a coloured, labelled badge. */
import type { JSX } from 'react';
import type { JobStatus } from '../../../shared/model';

/** Render `status` as a badge (colour plus the word, never colour alone). */
export function StatusBadge({ status }: { status: JobStatus }): JSX.Element {
  return <span className={`badge badge-${status}`}>{status}</span>;
}

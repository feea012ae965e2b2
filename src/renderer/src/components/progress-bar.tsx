/** An accessible progress bar (role="progressbar" with its value and label). */
import type { JSX } from 'react';

export interface ProgressBarProps {
  value: number;
  label: string;
  message?: string | null;
}

/** Render progress 0–100 with an accessible name and the numeric value. */
export function ProgressBar({ value, label, message }: ProgressBarProps): JSX.Element {
  const v = Math.max(0, Math.min(100, Number.isFinite(value) ? value : 0));
  return (
    <div className="progress" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(v)} aria-valuetext={message ? `${Math.round(v)} % — ${message}` : `${Math.round(v)} %`}>
      <div className="progress-fill" style={{ width: `${v}%` }} />
      <span className="progress-text">{Math.round(v)} %</span>
    </div>
  );
}

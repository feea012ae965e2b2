/**
 * An accessible progress bar (role="progressbar" with its value and label). One element: the fill
 * is its background (a gradient up to `--progress`) and the figure its text, so a table showing
 * one per row adds a single box per row to lay out and paint.
 */
import type { CSSProperties, JSX } from 'react';

export interface ProgressBarProps {
  value: number;
  label: string;
  message?: string | null;
}

/** Render progress 0–100 with an accessible name and the numeric value. */
export function ProgressBar({ value, label, message }: ProgressBarProps): JSX.Element {
  const v = Math.max(0, Math.min(100, Number.isFinite(value) ? value : 0));
  const rounded = Math.round(v);
  return (
    <div
      className="progress"
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={rounded}
      aria-valuetext={message ? `${rounded} % — ${message}` : `${rounded} %`}
      style={{ '--progress': `${v}%` } as CSSProperties}
    >
      {rounded} %
    </div>
  );
}

/** Short notices (success, engine errors in plain words) in a live region. */
import type { JSX } from 'react';
import { useAppStore } from '../store/store-context';

/** Render the ui slice's notices; errors stay until dismissed. */
export function Notices(): JSX.Element {
  const notices = useAppStore((s) => s.ui.notices);
  const dismiss = useAppStore((s) => s.ui.dismissNotice);
  return (
    <div className="notices" aria-live="polite">
      {notices.map((n) => (
        <div key={n.id} className={`notice notice-${n.kind}`} role={n.kind === 'error' ? 'alert' : 'status'}>
          <span>{n.text}</span>
          <button type="button" className="icon-button" aria-label="Dismiss notice" onClick={() => dismiss(n.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}

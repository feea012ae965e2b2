/**
 * A read-only JSON viewer: objects and arrays fold with native <details> (keyboard-operable), long
 * strings wrap, and a "Copy" button copies the whole value.
 */
import type { JSX } from 'react';

const MAX_CHILDREN = 500;

function Scalar({ value }: { value: unknown }): JSX.Element {
  if (value === null || value === undefined) return <span className="json-null">null</span>;
  if (typeof value === 'string') return <span className="json-string">"{value}"</span>;
  if (typeof value === 'number') return <span className="json-number">{String(value)}</span>;
  if (typeof value === 'boolean') return <span className="json-bool">{String(value)}</span>;
  return <span>{String(value)}</span>;
}

function Node({ name, value, depth }: { name: string | null; value: unknown; depth: number }): JSX.Element {
  const label = name === null ? null : <span className="json-key">{name}: </span>;
  if (value === null || typeof value !== 'object') {
    return (
      <div className="json-row">
        {label}
        <Scalar value={value} />
      </div>
    );
  }
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value as Record<string, unknown>);
  const brackets = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
  if (entries.length === 0) {
    return (
      <div className="json-row">
        {label}
        <span>{brackets.join('')}</span>
      </div>
    );
  }
  return (
    <details className="json-node" open={depth < 2}>
      <summary>
        {label}
        <span className="json-meta">
          {brackets[0]} {entries.length} {Array.isArray(value) ? (entries.length === 1 ? 'item' : 'items') : entries.length === 1 ? 'key' : 'keys'} {brackets[1]}
        </span>
      </summary>
      <div className="json-children">
        {entries.slice(0, MAX_CHILDREN).map(([k, v]) => (
          <Node key={k} name={k} value={v} depth={depth + 1} />
        ))}
        {entries.length > MAX_CHILDREN ? <div className="json-meta">… {entries.length - MAX_CHILDREN} more</div> : null}
      </div>
    </details>
  );
}

/** Render `value` as a foldable tree under a labelled region. */
export function JsonViewer({ value, label }: { value: unknown; label: string }): JSX.Element {
  const copy = (): void => {
    void navigator.clipboard?.writeText(JSON.stringify(value, null, 2)).catch(() => undefined);
  };
  return (
    <section className="json-viewer" aria-label={label}>
      <div className="json-toolbar">
        <button type="button" className="link-button" onClick={copy} aria-label={`Copy ${label} as JSON`}>
          Copy
        </button>
      </div>
      <Node name={null} value={value} depth={0} />
    </section>
  );
}

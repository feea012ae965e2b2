/**
 * A JSON editor for job parameters: a textarea checked as you type (valid JSON, an object), with
 * the parse error's position in plain words. The engine validates the fields per job type.
 */
import type { JSX } from 'react';

/** Parse the text as a parameters object; `error` says what is wrong and where. */
export function parseParameters(text: string): { value: Record<string, unknown> | null; error: string | null } {
  if (!text.trim()) return { value: {}, error: null };
  try {
    const value: unknown = JSON.parse(text);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return { value: null, error: 'Parameters must be a JSON object, like {"key": "value"}.' };
    return { value: value as Record<string, unknown>, error: null };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const pos = /position (\d+)/.exec(message);
    if (pos?.[1]) {
      const upTo = text.slice(0, Number(pos[1]));
      const line = upTo.split('\n').length;
      const column = upTo.length - upTo.lastIndexOf('\n');
      return { value: null, error: `Not valid JSON at line ${line}, column ${column}: ${message.replace(/ in JSON at position \d+.*$/, '')}.` };
    }
    return { value: null, error: `Not valid JSON: ${message}` };
  }
}

/** Example parameters for the built-in types, shown when the type is picked. */
export const PARAMETER_EXAMPLES: Record<string, string> = {
  command: '{\n  "argv": ["echo", "hello"]\n}',
  http: '{\n  "url": "http://127.0.0.1:8080/health",\n  "method": "GET"\n}',
  module: '{\n  "module": "./handlers/my-job.mjs"\n}',
  cleanup: '{\n  "daysOld": 30\n}',
};

export interface ParametersEditorProps {
  value: string;
  onChange(text: string): void;
  error: string | null;
}

/** The editor with its error line. */
export function ParametersEditor({ value, onChange, error }: ParametersEditorProps): JSX.Element {
  return (
    <label className="field field-block">
      <span>Parameters (JSON)</span>
      <textarea className="mono json-editor" rows={8} spellCheck={false} value={value} onChange={(e) => onChange(e.target.value)} aria-label="Parameters (JSON)" aria-invalid={error !== null} aria-describedby="params-error" />
      <span id="params-error" className={error ? 'error-text' : 'muted'} role={error ? 'alert' : undefined}>
        {error ?? 'Valid JSON object.'}
      </span>
    </label>
  );
}

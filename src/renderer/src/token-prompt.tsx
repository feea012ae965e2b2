/**
 * Shown in a browser tab that has no API token: explains where to find it and stores it for this
 * tab (sessionStorage), then reloads.
 */
import { useState, type JSX } from 'react';
import { saveToken } from './api/http-transport';

/** The sign-in form. */
export function TokenPrompt(): JSX.Element {
  const [token, setToken] = useState('');
  return (
    <main className="token-prompt">
      <h1>JobHandle</h1>
      <p>
        This dashboard needs the API token of the JobHandle server. Open the link that <code>jobhandle serve</code> printed (it carries the token), or print the token with{' '}
        <code>jobhandle token</code> and paste it here.
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (!token.trim()) return;
          saveToken(window, token);
          window.location.hash = '#/overview';
          window.location.reload();
        }}
      >
        <label className="field">
          <span>API token</span>
          <input type="password" value={token} onChange={(e) => setToken(e.target.value)} autoComplete="off" aria-label="API token" />
        </label>
        <button type="submit" className="primary">
          Open the dashboard
        </button>
      </form>
    </main>
  );
}

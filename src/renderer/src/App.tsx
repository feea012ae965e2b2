// Top-level dashboard component. A placeholder until the dashboard issue builds the real views.
import type { JSX } from 'react';

export function App(): JSX.Element {
  const version = window.jobhandle?.version;
  return (
    <main style={{ fontFamily: 'system-ui, sans-serif', padding: '2rem', lineHeight: 1.5 }}>
      <h1>JobHandle</h1>
      <p>The dashboard is coming. Meanwhile, use the <code>jobhandle</code> CLI to submit and inspect jobs.</p>
      {version ? <p style={{ color: '#666' }}>Version {version}</p> : null}
    </main>
  );
}

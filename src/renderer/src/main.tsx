// Renderer entry: picks the transport, mounts the React app into #root (or the token prompt in a
// browser tab that has no API token yet).
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { createDashboardClient } from './api/client';
import { readToken } from './api/http-transport';
import { TokenPrompt } from './token-prompt';
import './styles.css';

const container = document.getElementById('root');
if (!container) throw new Error('JobHandle: #root element missing from index.html');

const client = createDashboardClient(window);
const root = createRoot(container);
root.render(<StrictMode>{client.transport === 'http' && !readToken(window) ? <TokenPrompt /> : <App client={client} />}</StrictMode>);

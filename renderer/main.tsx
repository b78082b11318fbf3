/** Entry point: start tracking the hash and the connection, subscribe to events, render. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.tsx';
import { trackConnection } from './stores/connection-store.ts';
import { reloadEverything, startLiveUpdates } from './stores/live-updates.ts';
import { trackHash } from './stores/nav-store.ts';

trackHash();
trackConnection(reloadEverything);
startLiveUpdates();

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element.');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

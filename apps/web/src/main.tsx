// The site's entry: what index.html loads first. Styles, the session, the router and the app.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router';
import { App } from './app.tsx';
import { SessionProvider } from './session/session.tsx';
import './styles.css';

const root = document.getElementById('root');
if (root === null) throw new Error('index.html has no #root element');

// The declarative <BrowserRouter>, not the data router: the site loads its data in its pages,
// and the data router costs about 17 kB more gzipped JavaScript (measured: docs/cdn.md).
createRoot(root).render(
  <StrictMode>
    <BrowserRouter>
      <SessionProvider>
        <App />
      </SessionProvider>
    </BrowserRouter>
  </StrictMode>,
);

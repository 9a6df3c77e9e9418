// Catches what a page throws while rendering, and the one failure a CDN deploy can cause: a
// tab opened before a deploy asks for a lazily loaded chunk that the origin no longer has.
// A reload fetches the current index.html and with it the current chunk names.
import { Component, type ReactNode } from 'react';

export class PageErrorBoundary extends Component<{ children: ReactNode }, { failed: boolean }> {
  override state = { failed: false };

  static getDerivedStateFromError() {
    return { failed: true };
  }

  override componentDidCatch(error: unknown) {
    console.error('page failed to render', error);
  }

  override render() {
    if (!this.state.failed) return this.props.children;
    return (
      <div className="container page">
        <div className="notice notice--error" role="alert">
          <h1>This page could not be shown</h1>
          <p>The site may have been updated since you opened it.</p>
          <button type="button" className="button" onClick={() => window.location.reload()}>
            Reload the page
          </button>
        </div>
      </div>
    );
  }
}

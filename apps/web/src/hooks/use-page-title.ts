// Each page names itself in the browser tab and in screen readers' page announcements.
import { useEffect } from 'react';

export const SITE_NAME = 'Conduit';

export function usePageTitle(title: string | null) {
  useEffect(() => {
    document.title = title ? `${title} · ${SITE_NAME}` : SITE_NAME;
  }, [title]);
}

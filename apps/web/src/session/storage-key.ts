// The localStorage key of the signed-in user. A module of its own, free of React, so the
// browser tests (e2e/) can sign users in and check sign-outs under the same key as the site.
export const SESSION_STORAGE_KEY = 'conduit.user';

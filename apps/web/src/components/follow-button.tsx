// Follow or unfollow an author: their articles then appear in (or leave) "Your feed".
import { useCallback } from 'react';
import type { Profile } from '../api/types.ts';
import { useAction } from '../hooks/use-action.ts';
import { useSignInFirst } from '../hooks/use-sign-in-first.ts';
import { useSession } from '../session/session.tsx';
import { PlusIcon } from './icons.tsx';
import { ActionError } from './status.tsx';

export function FollowButton({
  profile,
  onChange,
}: {
  profile: Profile;
  onChange: (profile: Profile) => void;
}) {
  const { user, api } = useSession();
  const signInFirst = useSignInFirst();
  const { username, following } = profile;
  const toggle = useCallback(
    async () => onChange(following ? await api.unfollow(username) : await api.follow(username)),
    [api, username, following, onChange],
  );
  const action = useAction(toggle);

  return (
    <span className="action">
      <button
        type="button"
        className={`button button--small ${following ? 'button--secondary' : 'button--outline-secondary'}`}
        onClick={user ? action.perform : signInFirst}
        disabled={action.pending}
      >
        {!following && <PlusIcon />}
        {following ? 'Unfollow' : 'Follow'} {username}
      </button>
      <ActionError error={action.error} />
    </span>
  );
}

import { type Static, Type } from 'typebox';

export const Profile = Type.Object({
  username: Type.String(),
  bio: Type.Union([Type.String(), Type.Null()]),
  image: Type.Union([Type.String(), Type.Null()]),
  following: Type.Boolean(),
});
export type Profile = Static<typeof Profile>;

export const ProfileResponse = Type.Object({ profile: Profile });

export const UsernameParams = Type.Object({
  username: Type.String({ minLength: 1, maxLength: 64 }),
});

/** The columns a profile is built from, for `select` clauses in any module. */
export const profileColumns = { id: true, username: true, bio: true, image: true } as const;

export interface ProfileRow {
  id: number;
  username: string;
  bio: string | null;
  image: string | null;
}

export function toProfile(user: ProfileRow, following: boolean): Profile {
  return { username: user.username, bio: user.bio, image: user.image, following };
}

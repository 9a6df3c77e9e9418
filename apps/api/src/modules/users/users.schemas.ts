import { VERIFICATION_TOKEN_PATTERN } from '@headroom/jobs/email-verification';
import { type Static, Type } from 'typebox';

// Limits keep one request from carrying unbounded work (argon2 hashes the whole password).
const Email = Type.String({ minLength: 1, maxLength: 254, format: 'email' });
const Username = Type.String({ minLength: 1, maxLength: 64, pattern: '^[^\\s/?#]+$' });
/** NIST SP 800-63B: at least 8 characters, and accept at least 64. */
const Password = Type.String({ minLength: 8, maxLength: 256 });
const Bio = Type.Union([Type.String({ maxLength: 2_000 }), Type.Null()]);
const Image = Type.Union([Type.String({ maxLength: 2_048 }), Type.Null()]);

export const RegisterBody = Type.Object({
  user: Type.Object({ username: Username, email: Email, password: Password }),
});

export const LoginBody = Type.Object({
  user: Type.Object({
    email: Type.String({ minLength: 1, maxLength: 254 }),
    password: Type.String({ minLength: 1, maxLength: 256 }),
  }),
});

export const UpdateUserBody = Type.Object({
  user: Type.Object({
    email: Type.Optional(Email),
    username: Type.Optional(Username),
    password: Type.Optional(Password),
    bio: Type.Optional(Bio),
    image: Type.Optional(Image),
    /**
     * Needed to change the email or password, unless the session began less than
     * RECENT_AUTH_SECONDS ago (docs/security.md, "Changing the email or password").
     */
    currentPassword: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  }),
});
export type UserChanges = Static<typeof UpdateUserBody>['user'];

export const User = Type.Object({
  email: Type.String(),
  token: Type.String(),
  username: Type.String(),
  bio: Type.Union([Type.String(), Type.Null()]),
  image: Type.Union([Type.String(), Type.Null()]),
});
export type User = Static<typeof User>;

export const UserResponse = Type.Object({ user: User });

/** The token from the link the worker emailed (POST /api/users/verify). */
export const VerifyEmailBody = Type.Object({
  token: Type.String({ pattern: VERIFICATION_TOKEN_PATTERN }),
});

// What a username may be beyond the schema's length and pattern, and the form it is compared in.
// Two names that look the same must not belong to two people: names are unique regardless of
// case (the users_username_lower_key index), and a name carrying characters nobody sees, or
// spelled in a non-canonical Unicode form, is refused. docs/security.md, "Usernames".

/**
 * Refused anywhere in a username (Unicode general categories and properties):
 *   Cc  controls: C0 (U+0000-U+001F), DEL (U+007F), C1 (U+0080-U+009F)
 *   Cf  format characters: zero-width space/joiners (U+200B-U+200D), bidi marks, embeddings,
 *       overrides and isolates (U+200E-U+200F, U+202A-U+202E, U+2066-U+2069, U+061C), soft
 *       hyphen (U+00AD), word joiner and invisible operators (U+2060-U+2064), BOM (U+FEFF),
 *       tag characters (U+E0001, U+E0020-U+E007F)
 *   Default_Ignorable_Code_Point: what renders as nothing though it is not Cf, e.g. the Hangul
 *       fillers (U+115F, U+1160, U+3164, U+FFA0), the combining grapheme joiner (U+034F) and
 *       variation selectors (U+FE00-U+FE0F, U+E0100-U+E01EF)
 *   Cs  lone surrogate halves (JSON can carry them; they are not characters)
 *   Co  private use: renders as whatever a font chooses, or as nothing
 *   Cn  unassigned: no rendering, and no case mapping or normalization yet
 * Whitespace of every kind is already refused by the schema's pattern.
 */
const INVISIBLE_OR_CONTROL = /[\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}\p{Cs}\p{Co}\p{Cn}]/u;

/** Why a username cannot be used, or null. */
export function usernameProblem(username: string): string | null {
  if (INVISIBLE_OR_CONTROL.test(username))
    return 'must not contain invisible or control characters';
  // "é" as one code point or as "e" + a combining accent looks the same and must be one name.
  if (username !== username.normalize('NFC'))
    return 'must be in Unicode normalization form C (NFC)';
  return null;
}

/**
 * The form usernames are compared in: NFC, lower case (JavaScript's, which matches the index's
 * lower() under ICU's root collation). The application cache's `username:` key uses it too.
 */
export const usernameKey = (username: string) => username.normalize('NFC').toLowerCase();

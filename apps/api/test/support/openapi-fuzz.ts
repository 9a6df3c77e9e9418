// Requests generated from the API's own OpenAPI document, Schemathesis' idea on fast-check: for
// every operation, path parameters, query strings and JSON bodies that fit its schemas and ones
// that break them (wrong types, lengths past the bounds, NUL and invisible characters, huge
// numbers, missing and extra fields, bodies that are not JSON), and the check that an answer
// is one the document declares for that operation. Used by schema-fuzz.int.test.ts.
import { Ajv, type ValidateFunction } from 'ajv';
import fc from 'fast-check';

/** The subset of JSON Schema the API's TypeBox schemas produce in the document. */
export interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  enum?: unknown[];
  anyOf?: JsonSchema[];
}

interface MediaType {
  schema?: JsonSchema;
}

interface OperationObject {
  parameters?: { in: string; name: string; required?: boolean; schema: JsonSchema }[];
  requestBody?: { required?: boolean; content: Record<string, MediaType> };
  responses: Record<string, { content?: Record<string, MediaType> }>;
  security?: unknown[];
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, OperationObject>>;
}

export interface Operation {
  /** `GET /api/articles/{slug}`: how the document, and every report, names it. */
  id: string;
  method: string;
  path: string;
  pathParameters: { name: string; schema: JsonSchema }[];
  queryParameters: { name: string; required: boolean; schema: JsonSchema }[];
  body: JsonSchema | undefined;
  /** Declared statuses, and each one's JSON body schema (none: the body must be empty). */
  responses: Map<number, JsonSchema | undefined>;
  secured: boolean;
}

const JSON_MEDIA_TYPE = 'application/json';

export function operationsOf(document: OpenApiDocument): Operation[] {
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => {
      const parameters = operation.parameters ?? [];
      return {
        id: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        pathParameters: parameters.filter((parameter) => parameter.in === 'path'),
        queryParameters: parameters
          .filter((parameter) => parameter.in === 'query')
          .map(({ name, required, schema }) => ({ name, required: required === true, schema })),
        body: operation.requestBody?.content[JSON_MEDIA_TYPE]?.schema,
        responses: new Map(
          Object.entries(operation.responses).map(([status, response]) => [
            Number(status),
            response.content?.[JSON_MEDIA_TYPE]?.schema,
          ]),
        ),
        secured: (operation.security ?? []).length > 0,
      };
    }),
  );
}

// --- values from schemas -------------------------------------------------------------------

/**
 * Characters that break naive handling: NUL and other controls, invisible and direction marks,
 * a byte order mark, line separators, URL and JSON syntax, case-folding oddities, an astral
 * character and a lone surrogate (which no UTF-8 column can store).
 */
const AWKWARD_CHARACTERS = [
  '\u0000',
  '\u0001',
  '\u001b',
  '\u007f',
  '\u0085',
  '\u00ad',
  '\u200b',
  '\u200d',
  '\u200e',
  '\u202e',
  '\u2060',
  '\u2028',
  '\ufeff',
  '\ufffd',
  '\t',
  '\n',
  '\r',
  ' ',
  '/',
  '?',
  '#',
  '%',
  '&',
  '=',
  '+',
  '.',
  '\\',
  '"',
  "'",
  '<',
  '>',
  'é',
  'ß',
  'İ',
  'ǅ',
  '\u{1f600}',
  '\u{10ffff}',
  '\ud800',
];

const character = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: fc.constantFrom(...AWKWARD_CHARACTERS) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
);

/** Values known to exist on the server (usernames, slugs, comment ids), by parameter name. */
export type KnownValues = Record<string, readonly (string | number)[]>;

/** Typical lengths stay short; the bounds themselves are tried apart from them. */
const TYPICAL_LENGTH = 24;
const TYPICAL_ITEMS = 4;

function validString(schema: JsonSchema): fc.Arbitrary<string> {
  const minLength = schema.minLength ?? 0;
  const maxLength = schema.maxLength ?? 10_000;
  const within = (value: string) => value.length >= minLength && value.length <= maxLength;
  if (schema.format === 'email') {
    return fc.oneof(
      fc.stringMatching(/^[a-z0-9]{1,16}$/).map((local) => `${local}@example.com`),
      fc.emailAddress(),
    );
  }
  if (schema.pattern !== undefined) {
    const pattern = new RegExp(schema.pattern);
    return fc
      .stringMatching(pattern)
      .map((value) => value.slice(0, maxLength))
      .filter((value) => within(value) && pattern.test(value));
  }
  return fc.oneof(
    {
      weight: 8,
      arbitrary: fc.string({
        unit: character,
        minLength,
        maxLength: Math.min(maxLength, TYPICAL_LENGTH),
      }),
    },
    // Exactly at the bounds.
    {
      weight: 1,
      arbitrary: character.map((unit) => unit.repeat(Math.max(minLength, 1))).filter(within),
    },
    { weight: 1, arbitrary: fc.constant('x'.repeat(maxLength)) },
  );
}

function brokenString(schema: JsonSchema): fc.Arbitrary<unknown> {
  const maxLength = schema.maxLength ?? 1_000;
  return fc.oneof(
    fc.constant('x'.repeat(maxLength + 1)),
    fc.constant(''),
    fc.constant(' '),
    fc.constantFrom(...AWKWARD_CHARACTERS).map((unit) => `a${unit}b`),
    // Far past any limit: the body limit's own answer.
    fc.constant('x'.repeat(300_000)),
    fc.constantFrom(0, -1, 1e308, true, null, [], {}),
  );
}

/** The extremes of JavaScript numbers and of the database's integer columns. */
const EXTREME_NUMBERS = [
  0,
  -1,
  -0,
  0.5,
  2 ** 31,
  -(2 ** 31) - 1,
  2 ** 53,
  -(2 ** 53),
  1e308,
  -1e308,
  Number.MIN_VALUE,
];

/** Numbers as a query string may spell them, and as no parser should accept them. */
const NUMBER_SPELLINGS = [
  '1e3',
  '0x10',
  ' 1',
  '1 ',
  '１',
  '-',
  '+1',
  '1.0',
  'NaN',
  'Infinity',
  '9'.repeat(40),
  '',
];

function validNumber(schema: JsonSchema): fc.Arbitrary<number> {
  const min = schema.minimum ?? -(2 ** 31);
  const max = schema.maximum ?? 2 ** 31 - 1;
  const numbers =
    schema.type === 'integer'
      ? fc.integer({ min, max })
      : fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
  return fc.oneof(
    { weight: 4, arbitrary: numbers },
    { weight: 1, arbitrary: fc.constantFrom(min, max) },
  );
}

function brokenNumber(schema: JsonSchema): fc.Arbitrary<unknown> {
  const outside = [
    ...(schema.minimum === undefined ? [] : [schema.minimum - 1]),
    ...(schema.maximum === undefined ? [] : [schema.maximum + 1]),
  ];
  return fc.oneof(
    fc.constantFrom(...outside, ...EXTREME_NUMBERS),
    fc.constantFrom(...NUMBER_SPELLINGS),
    fc.constantFrom(true, null, [], {}),
  );
}

function validObject(
  schema: JsonSchema,
  known: KnownValues,
): fc.Arbitrary<Record<string, unknown>> {
  const properties = schema.properties ?? {};
  const shape = Object.fromEntries(
    Object.entries(properties).map(([name, property]) => [name, valueFor(property, known, name)]),
  );
  return fc.record(shape, { requiredKeys: (schema.required ?? []) as never[] }) as fc.Arbitrary<
    Record<string, unknown>
  >;
}

function brokenObject(schema: JsonSchema, known: KnownValues): fc.Arbitrary<unknown> {
  const required = schema.required ?? [];
  const withoutOne =
    required.length === 0
      ? []
      : [
          fc
            .tuple(validObject(schema, known), fc.constantFrom(...required))
            .map(([value, name]) => {
              const { [name]: _dropped, ...rest } = value;
              return rest;
            }),
        ];
  return fc.oneof(
    ...withoutOne,
    // Fields the schema does not name, next to the ones it does.
    fc
      .tuple(
        validObject(schema, known),
        fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }), {
          minKeys: 1,
          maxKeys: 3,
        }),
      )
      .map(([value, extra]) => ({ ...extra, ...value })),
    fc.constantFrom(null, 'text', 1, true, []),
  );
}

/**
 * A value for a schema: mostly one that fits, sometimes one that breaks it at this level; its
 * children are drawn the same way, so a body usually breaks at one place only. `name` picks a
 * value the server knows (an existing slug or username) for parameters that name one.
 */
export function valueFor(
  schema: JsonSchema,
  known: KnownValues = {},
  name = '',
): fc.Arbitrary<unknown> {
  const knownValues = known[name] ?? [];
  return fc.oneof(
    ...(knownValues.length === 0
      ? []
      : [{ weight: 4, arbitrary: fc.constantFrom(...knownValues) }]),
    { weight: 4, arbitrary: validValueFor(schema, known) },
    { weight: 1, arbitrary: brokenValueFor(schema, known) },
  );
}

function validValueFor(schema: JsonSchema, known: KnownValues): fc.Arbitrary<unknown> {
  if (schema.anyOf) return fc.oneof(...schema.anyOf.map((branch) => validValueFor(branch, known)));
  if (schema.enum) return fc.constantFrom(...schema.enum);
  switch (schema.type) {
    case 'string':
      return validString(schema);
    case 'integer':
    case 'number':
      return validNumber(schema);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(valueFor(schema.items ?? {}, known), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? TYPICAL_ITEMS, TYPICAL_ITEMS),
      });
    case 'object':
      return validObject(schema, known);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function brokenValueFor(schema: JsonSchema, known: KnownValues): fc.Arbitrary<unknown> {
  if (schema.anyOf) return fc.oneof(...schema.anyOf.map((branch) => brokenValueFor(branch, known)));
  if (schema.enum) return fc.constantFrom('not-one-of-them', 0, null);
  switch (schema.type) {
    case 'string':
      return brokenString(schema);
    case 'integer':
    case 'number':
      return brokenNumber(schema);
    case 'boolean':
      return fc.constantFrom('true', 0, null);
    case 'null':
      return fc.constantFrom(0, '', {});
    case 'array':
      return fc.oneof(
        fc.array(valueFor(schema.items ?? {}, known), {
          minLength: (schema.maxItems ?? 50) + 1,
          maxLength: (schema.maxItems ?? 50) + 3,
        }),
        fc.constantFrom('text', {}, null),
      );
    case 'object':
      return brokenObject(schema, known);
    default:
      return fc.constant(undefined);
  }
}

// --- requests --------------------------------------------------------------------------------

export interface FuzzRequest {
  operation: Operation;
  /** Index into the caller's identities; -1 is anonymous. */
  identity: number;
  url: string;
  headers: Record<string, string>;
  body: string | undefined;
}

/**
 * Path segments sent as they are, not percent-encoded: malformed escapes, an encoded NUL and
 * slash. (Dot segments are left out: the client's URL parser removes them before sending, so
 * the request would reach another route.)
 */
const RAW_PATH_SEGMENTS = ['%', '%zz', '%E0%A4%A', '%00', '%2F', '%C0%AF'];

/** Bodies that are not the JSON the operation wants. */
const RAW_BODIES = [
  '',
  '{',
  '{"',
  '[]',
  'null',
  '"text"',
  '1',
  'not json',
  '\u0000',
  '{"user":',
  `${'['.repeat(5_000)}${']'.repeat(5_000)}`,
];

/**
 * Percent-encodes a path segment. A lone surrogate has no UTF-8 form, so it is sent as the
 * three bytes a naive encoder would write (WTF-8): bytes no valid UTF-8 decoder accepts.
 */
function encodePathSegment(value: string): string {
  // Iterating a string yields code points, and a lone surrogate as itself.
  return [...value]
    .map((unit) => {
      const code = unit.charCodeAt(0);
      if (unit.length === 2 || code < 0xd800 || code > 0xdfff) return encodeURIComponent(unit);
      return [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)]
        .map((byte) => `%${byte.toString(16).toUpperCase()}`)
        .join('');
    })
    .join('');
}

const pathSegment = (schema: JsonSchema, known: KnownValues, name: string) =>
  fc.oneof(
    {
      weight: 20,
      arbitrary: valueFor(schema, known, name)
        .map((value) =>
          typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value),
        )
        .filter((value) => value !== '')
        .map(encodePathSegment),
    },
    { weight: 1, arbitrary: fc.constantFrom(...RAW_PATH_SEGMENTS) },
  );

const queryValue = (value: unknown) =>
  typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);

function queryFor(operation: Operation, known: KnownValues): fc.Arbitrary<string> {
  const pairs = operation.queryParameters.map(({ name, required, schema }) => {
    const value = valueFor(schema, known, name).map((value) => [[name, queryValue(value)]]);
    return required ? value : fc.option(value, { nil: [] as string[][] });
  });
  // Query keys no schema describes: repeated, bracketed, empty, a prototype's name.
  const extra = fc.oneof(
    { weight: 8, arbitrary: fc.constant([] as string[][]) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        [
          ['limit', '1'],
          ['limit', '2'],
        ],
        [['offset[]', '1']],
        [['', 'x']],
        [['__proto__', 'x']],
        [['unknown', '\u0000']],
      ),
    },
  );
  return fc.tuple(fc.tuple(...pairs), extra).map(([chosen, more]) => {
    const search = new URLSearchParams([...chosen.flat(), ...more] as [
      string,
      string,
    ][]).toString();
    return search === '' ? '' : `?${search}`;
  });
}

function bodyFor(
  operation: Operation,
  known: KnownValues,
): fc.Arbitrary<{ body: string | undefined; contentType: string | undefined }> {
  if (!operation.body) return fc.constant({ body: undefined, contentType: undefined });
  const json = valueFor(operation.body, known).map((value) =>
    value === undefined ? '' : JSON.stringify(value),
  );
  return fc.oneof(
    { weight: 20, arbitrary: json.map((body) => ({ body, contentType: JSON_MEDIA_TYPE })) },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(...RAW_BODIES)
        .map((body) => ({ body, contentType: JSON_MEDIA_TYPE })),
    },
    // Prototype poisoning, with the fields the operation wants beside it.
    {
      weight: 1,
      arbitrary: json.map((body) => ({
        body: body.startsWith('{') ? `{"__proto__":{"admin":true},${body.slice(1)}` : body,
        contentType: JSON_MEDIA_TYPE,
      })),
    },
    { weight: 1, arbitrary: json.map((body) => ({ body, contentType: 'text/plain' })) },
    { weight: 1, arbitrary: json.map((body) => ({ body, contentType: undefined })) },
  );
}

/**
 * Requests for one operation: the path's parameters, a query string, a body, and who sends
 * it (anonymous, one of `identities` signed-in users, or a token that is not one).
 */
export function requestsFor(
  operation: Operation,
  identities: number,
  known: KnownValues,
): fc.Arbitrary<FuzzRequest> {
  const segments = fc.tuple(
    ...operation.pathParameters.map(({ name, schema }) =>
      pathSegment(schema, known, name).map((segment) => [name, segment] as const),
    ),
  );
  const identity = fc.oneof(
    { weight: 3, arbitrary: fc.integer({ min: 0, max: identities - 1 }) },
    { weight: 2, arbitrary: fc.constant(-1) },
  );
  // One request in twenty carries an Authorization header that holds no valid token.
  const garbageToken = fc.oneof(
    { weight: 19, arbitrary: fc.constant(null) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('Token', 'Token not-a-jwt', 'Bearer x.y.z', 'Token a.b'),
    },
  );
  return fc
    .record({
      segments,
      query: queryFor(operation, known),
      body: bodyFor(operation, known),
      identity,
      garbageToken,
    })
    .map(({ segments, query, body, identity, garbageToken }) => {
      const path = segments.reduce(
        (path, [name, segment]) => path.replace(`{${name}}`, segment),
        operation.path,
      );
      const headers: Record<string, string> = {};
      if (body.contentType) headers['content-type'] = body.contentType;
      if (garbageToken !== null) headers.authorization = garbageToken;
      return {
        operation,
        identity: garbageToken === null ? identity : -1,
        url: `${path}${query}`,
        headers,
        body: body.body,
      };
    });
}

// --- checking answers ------------------------------------------------------------------------

export interface Finding {
  operation: string;
  status: number;
  problem: string;
  request: { method: string; url: string; identity: number; body: string | undefined };
  response: string;
}

/** Checks an answer against what the document declares for its operation. */
export function createResponseChecker() {
  // strict off: OpenAPI schemas carry keywords (description, example) Ajv does not know.
  const ajv = new Ajv({ allErrors: true, strict: false });
  ajv.addFormat(
    'date-time',
    (value: string) =>
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(value) &&
      !Number.isNaN(Date.parse(value)),
  );
  ajv.addFormat('email', /^[^\s@]+@[^\s@]+$/);
  const validators = new Map<JsonSchema, ValidateFunction>();
  const validatorOf = (schema: JsonSchema) => {
    let validate = validators.get(schema);
    if (!validate) {
      validate = ajv.compile(schema);
      validators.set(schema, validate);
    }
    return validate;
  };

  return (
    operation: Operation,
    status: number,
    contentType: string | null,
    text: string,
  ): string | undefined => {
    if (status >= 500) return `a ${status}`;
    if (!operation.responses.has(status)) return `status ${status} is not documented`;
    const schema = operation.responses.get(status);
    if (schema === undefined) return text === '' ? undefined : 'a body where none is documented';
    if (!contentType?.startsWith(JSON_MEDIA_TYPE)) return `content-type ${contentType}, not JSON`;
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return 'a body that is not JSON';
    }
    const validate = validatorOf(schema);
    return validate(body) ? undefined : `body does not match: ${ajv.errorsText(validate.errors)}`;
  };
}

import { Type } from 'typebox';
import { describe, expect, it } from 'vitest';
import { InvalidEnvironmentError, loadEnv } from '../src/load-env.ts';

const Schema = Type.Object({
  PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 3000 }),
  DATABASE_URL: Type.String({ pattern: '^postgres' }),
  API_SECRET: Type.String({ minLength: 32 }),
  MODE: Type.Union([Type.Literal('a'), Type.Literal('b')], { default: 'a' }),
});

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidEnvironmentError) return error.problems;
    throw error;
  }
  throw new Error('expected loadEnv to refuse the environment');
}

describe('loadEnv', () => {
  it('when every value is valid, then it converts strings and fills defaults', () => {
    const config = loadEnv(Schema, {
      DATABASE_URL: 'postgres://x',
      API_SECRET: 's'.repeat(32),
      PORT: '8080',
    });
    expect(config).toEqual({
      PORT: 8080,
      DATABASE_URL: 'postgres://x',
      API_SECRET: 's'.repeat(32),
      MODE: 'a',
    });
  });

  it('when several values are bad or missing, then one error names every one of them', () => {
    const problems = problemsOf(() =>
      loadEnv(Schema, { PORT: 'eighty', API_SECRET: 'short', MODE: 'c' }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        'DATABASE_URL: is required',
        expect.stringMatching(/^PORT: .*\(got "eighty"\)$/),
        expect.stringMatching(/^API_SECRET: .*\(got "\*\*\*"\)$/),
        expect.stringMatching(/^MODE: /),
      ]),
    );
  });

  it('when a bad value is a URL with credentials, then the message shows it without them', () => {
    const problems = problemsOf(() =>
      loadEnv(Schema, {
        DATABASE_URL: 'mysql://admin:hunter2@db.internal:3306/app',
        API_SECRET: 's'.repeat(32),
      }),
    );
    expect(problems).toEqual([
      expect.stringMatching(/^DATABASE_URL: .*\(got "mysql:\/\/\*\*\*@db\.internal:3306\/app"\)$/),
    ]);
    const oddPassword = problemsOf(() =>
      loadEnv(Schema, { DATABASE_URL: 'mysql://u:pa/ss@w#rd@db/app', API_SECRET: 's'.repeat(32) }),
    );
    expect(oddPassword.join('\n')).not.toMatch(/pa\/ss|w#rd/);
  });

  it('when a number is out of range, then the message shows the value as it was given', () => {
    expect(
      problemsOf(() =>
        loadEnv(Schema, {
          PORT: '99999',
          DATABASE_URL: 'postgres://x',
          API_SECRET: 's'.repeat(32),
        }),
      ),
    ).toEqual([expect.stringMatching(/^PORT: .*\(got "99999"\)$/)]);
  });

  it('when a union has a bad value, then the variables after it are still reported', () => {
    const Many = Type.Object({
      LEVEL: Type.Union(
        ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent', 'all'].map((level) =>
          Type.Literal(level),
        ),
      ),
      PORT: Type.Integer({ minimum: 1, maximum: 65535 }),
    });
    const problems = problemsOf(() => loadEnv(Many, { LEVEL: 'loud', PORT: '0' }));
    expect(problems.map((problem) => problem.split(':')[0])).toEqual(['LEVEL', 'PORT']);
  });

  it('when a value is an empty string, then it counts as unset and the default applies', () => {
    const config = loadEnv(Schema, {
      PORT: '',
      DATABASE_URL: 'postgres://x',
      API_SECRET: 's'.repeat(32),
    });
    expect(config.PORT).toBe(3000);
  });

  it('when a cross-field rule fails, then its message names the variables', () => {
    const rule = {
      variables: ['PORT', 'MODE'],
      message: 'port 1 needs mode b',
      holds: (c: { PORT: number; MODE: string }) => c.PORT !== 1 || c.MODE === 'b',
    };
    const problems = problemsOf(() =>
      loadEnv(Schema, { PORT: '1', DATABASE_URL: 'postgres://x', API_SECRET: 's'.repeat(32) }, [
        rule,
      ]),
    );
    expect(problems).toEqual(['PORT, MODE: port 1 needs mode b']);
  });

  it('when a variable is missing and a rule on valid variables fails, then one error names both; a rule on an invalid variable is not checked', () => {
    const rule = {
      variables: ['PORT', 'MODE'],
      message: 'port 1 needs mode b',
      holds: (c: { PORT: number; MODE: string }) => c.PORT !== 1 || c.MODE === 'b',
    };
    expect(
      problemsOf(() => loadEnv(Schema, { PORT: '1', DATABASE_URL: 'postgres://x' }, [rule])),
    ).toEqual(['API_SECRET: is required', 'PORT, MODE: port 1 needs mode b']);
    const problems = problemsOf(() =>
      loadEnv(Schema, { PORT: '1', MODE: 'c', DATABASE_URL: 'postgres://x' }, [rule]),
    );
    expect(problems.map((problem) => problem.split(':')[0])).toEqual(['API_SECRET', 'MODE']);
  });
});

// The site reads the API's contract, not a copy of it: src/api/schema.d.ts is generated from the
// OpenAPI document the API builds from its own schemas, and must be regenerated with them.
// And nothing in the repository points a reader to a file a clone does not have.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  API_CONTRACT_COMMAND,
  API_CONTRACT_FILE,
  renderApiContract,
} from '../build/api-contract.ts';

describe('the API contract', () => {
  it('when the API schemas change, then the committed src/api/schema.d.ts still matches them', async () => {
    const current = await renderApiContract();
    const committed = readFileSync(API_CONTRACT_FILE, 'utf8');
    expect(
      committed === current,
      `apps/web/src/api/schema.d.ts is stale: run \`${API_CONTRACT_COMMAND}\` and commit the result`,
    ).toBe(true);
  });
});

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

describe('paths in the repository', () => {
  it('when a tracked file names a path, then it is not outside the repository', () => {
    // Built here, so this file does not match itself.
    const outside = ['..', 'shared', ''].join('/');
    const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: repoRoot, encoding: 'utf8' })
      .split('\0')
      .filter((file) => file !== '');
    const offenders = tracked.filter((file) => {
      try {
        return readFileSync(join(repoRoot, file), 'utf8').includes(outside);
      } catch {
        return false; // deleted in the working tree, or a directory (a submodule)
      }
    });
    expect(offenders, `these files point to ${outside}, which a clone does not have`).toEqual([]);
  });
});

// `npm run topology:generate`: rewrites every generated ports table in the docs from
// infra/topology/ports.txt. Run it after changing that file, and commit the result with it.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, regeneratedDocs } from './docs.ts';

for (const { file, committed, current } of regeneratedDocs()) {
  if (current === committed) continue;
  writeFileSync(join(REPO_ROOT, file), current);
  console.log(`topology: rewrote the ports table in ${file}`);
}

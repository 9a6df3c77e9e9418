// `npm run contract:generate`: writes src/api/schema.d.ts from the API's OpenAPI document.
// Run it after changing an API schema, and commit the result with the change.
import { writeFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { API_CONTRACT_FILE, renderApiContract } from './api-contract.ts';

await writeFile(API_CONTRACT_FILE, await renderApiContract());
console.log(`contract: wrote ${relative(process.cwd(), API_CONTRACT_FILE)}`);

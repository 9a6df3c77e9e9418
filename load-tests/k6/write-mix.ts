// Signed-in members reading and writing: articles, comments, favorites, follows (scenarios.ts: writeMixRequest).
// For k6 (the edge in compose): docker compose --profile loadtest run k6 run /load-tests/k6/write-mix.ts
// The same scenario with autocannon: npm run loadtest -- write-mix
import { k6Script } from './conduit.ts';

const script = k6Script('write-mix');
export const options = script.options;
export const setup = script.setup;
export default script.iteration;

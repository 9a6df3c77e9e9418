// Anonymous reading: home, tags, a tag's page, an article, its comments (scenarios.ts: browseRequest).
// For k6 (the edge in compose): docker compose --profile loadtest run k6 run /load-tests/k6/browse.ts
// The same scenario with autocannon: npm run loadtest -- browse
import { k6Script } from './conduit.ts';

const script = k6Script('browse');
export const options = script.options;
export const setup = script.setup;
export default script.iteration;

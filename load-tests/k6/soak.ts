// A moderate steady mix, mostly reading, for a long time (default 10 minutes; DURATION=seconds).
// For k6 (the edge in compose): docker compose --profile loadtest run k6 run /load-tests/k6/soak.ts
// The same scenario with autocannon: npm run loadtest -- soak
import { k6Script } from './conduit.ts';

const script = k6Script('soak');
export const options = script.options;
export const setup = script.setup;
export default script.iteration;

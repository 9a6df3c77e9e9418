// The browse mix at a normal rate, then 8x that rate, then back: the "mentioned on a news site" case.
// For k6 (the edge in compose): docker compose --profile loadtest run k6 run /load-tests/k6/spike.ts
// The same scenario with autocannon: npm run loadtest -- spike
import { k6Script } from './conduit.ts';

const script = k6Script('spike');
export const options = script.options;
export const setup = script.setup;
export default script.iteration;

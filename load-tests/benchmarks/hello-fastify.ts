// The bare Fastify ceiling: one route answering a constant JSON body, no plugins, no database,
// no logger. framework-ceiling.ts loads it next to the real API, with the same Node, the same
// loader (tsx) and the same autocannon settings, so their ratio says what fraction of the
// framework's ceiling the API's real work leaves (docs/capacity.md).
//   node --import tsx load-tests/benchmarks/hello-fastify.ts [port=3999] [--logger]
// --logger adds Fastify's default pino logger at info (two JSON lines per request on stdout,
// as the API writes them), to separate the cost of request logging from the rest.
import Fastify from 'fastify';
import { atMostPositionals, numberArgument, parseCommandLine } from '../cli.ts';

/** For a run by hand; framework-ceiling.ts passes a free port. */
const DEFAULT_PORT = '3999';
const USAGE = `usage: node --import tsx load-tests/benchmarks/hello-fastify.ts [port=${DEFAULT_PORT}] [--logger]

  port      where it listens, on 127.0.0.1
  --logger  Fastify's default pino logger at info, as the API logs`;

const { values, positionals } = parseCommandLine(USAGE, {
  allowPositionals: true,
  options: { logger: { type: 'boolean', default: false } },
});
atMostPositionals(USAGE, positionals, 1);
const port = numberArgument(USAGE, 'port', positionals[0] ?? DEFAULT_PORT, { integer: true });
const app = Fastify({ logger: values.logger ? { level: 'info' } : false });

app.get('/hello', async () => ({ hello: 'world' }));

process.once('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
await app.listen({ host: '127.0.0.1', port });

// The bare Fastify ceiling: one route answering a constant JSON body, no plugins, no database,
// no logger. framework-ceiling.ts loads it next to the real API, with the same Node, the same
// loader (tsx) and the same autocannon settings, so their ratio says what fraction of the
// framework's ceiling the API's real work leaves (docs/capacity.md).
//   node --import tsx load-tests/benchmarks/hello-fastify.ts [port=3999] [--logger]
// --logger adds Fastify's default pino logger at info (two JSON lines per request on stdout,
// as the API writes them), to separate the cost of request logging from the rest.
import Fastify from 'fastify';

const args = process.argv.slice(2);
const port = Number(args.find((arg) => /^\d+$/.test(arg)) ?? 3999);
const app = Fastify({ logger: args.includes('--logger') ? { level: 'info' } : false });

app.get('/hello', async () => ({ hello: 'world' }));

process.once('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
await app.listen({ host: '127.0.0.1', port });

// Operator commands for the job system (entry file: reads process.env):
//   npm run jobs -- dlq list              jobs that failed for good, with their errors
//   npm run jobs -- dlq retry <id|--all>  back onto their original queue, fresh attempts
//   npm run jobs -- dlq discard <id>      forget one
//   npm run jobs -- counts                jobs per queue and state
// REDIS_URL and REDIS_SENTINELS unset: the local stack's Redis (npm start), so the commands
// work with nothing exported.
import { reportConfigError, urlForCommandLine } from '@headroom/config/local-stack';
import { jobNames } from '@headroom/jobs/contract';
import {
  createQueueRedisConnection,
  describeQueueRedis,
  queueRedisTarget,
} from '@headroom/jobs/queue-redis';
import { closeQueues, createQueues, DEAD_LETTER_QUEUE } from '@headroom/jobs/queues';
import { Queue } from 'bullmq';
import { loadWorkerConfig, type WorkerConfig } from './config.ts';
import { createDeadLetterQueue } from './dead-letter.ts';

const USAGE = `usage: npm run jobs -- dlq list | dlq retry <id|--all> | dlq discard <id> | counts
REDIS_URL (or REDIS_SENTINELS) and QUEUE_PREFIX as the worker has them; neither set, the local
stack's Redis.`;

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log(USAGE);
  process.exit(0);
}

function loadCliConfig(): WorkerConfig {
  // Through the Sentinels when the environment names them, as the worker would connect.
  const redisUrl = process.env.REDIS_SENTINELS
    ? undefined
    : urlForCommandLine('jobs', 'REDIS_URL', process.env);
  // The CLI talks to Redis only: the variables a worker needs for Postgres and email get
  // placeholders, so it runs with any worker's environment, or none.
  return loadWorkerConfig({
    ...process.env,
    REDIS_URL: redisUrl,
    DATABASE_URL: 'postgresql://unused-by-the-cli',
    DATABASE_DIRECT_URL: undefined,
    CACHE_REDIS_URL: undefined,
    SMTP_URL: undefined,
    EMAIL_FILE_DIR: 'unused-by-the-cli',
  });
}

const config = (() => {
  try {
    return loadCliConfig();
  } catch (error) {
    process.exit(reportConfigError('jobs', error));
  }
})();
// An operator command fails at once when Redis is unreachable, instead of reconnecting forever.
const queueRedis = queueRedisTarget(config);
const connection = createQueueRedisConnection(queueRedis, {
  maxRetriesPerRequest: 1,
  lazyConnect: true,
  retryStrategy: () => null,
  sentinelRetryStrategy: () => null,
});
connection.on('error', () => {});
try {
  await connection.connect();
} catch (error) {
  console.error(
    `jobs: cannot reach Redis at ${describeQueueRedis(queueRedis)}: ${(error as Error).message}`,
  );
  process.exit(1);
}
// The worker's own retry policy, so a job put back from the dead-letter queue gets what any
// new job gets: JOB_ATTEMPTS tries with backoff, and the usual retention once it completes.
const queues = createQueues({
  connection,
  prefix: config.QUEUE_PREFIX,
  retry: { attempts: config.JOB_ATTEMPTS, backoffMs: config.JOB_BACKOFF_MS },
});
const deadLetters = createDeadLetterQueue({ connection, prefix: config.QUEUE_PREFIX, queues });
const [command, action, argument] = args;

async function run(): Promise<number> {
  if (command === 'counts') {
    for (const name of [...jobNames, DEAD_LETTER_QUEUE]) {
      const queue = new Queue(name, { connection, prefix: config.QUEUE_PREFIX });
      console.log(name.padEnd(26), JSON.stringify(await queue.getJobCounts()));
      await queue.close();
    }
    return 0;
  }
  if (command !== 'dlq') {
    console.error(USAGE);
    return 2;
  }
  if (action === 'list') {
    const letters = await deadLetters.list();
    for (const { id, letter } of letters) {
      console.log(
        `${id}  ${letter.queue}/${letter.jobName}  attempts=${letter.attemptsMade}  ${letter.failedAt}`,
      );
      console.log(`    data:  ${JSON.stringify(letter.data)}`);
      console.log(`    error: ${letter.error}`);
    }
    console.log(`${letters.length} dead-lettered job(s)`);
    return 0;
  }
  if (action === 'retry' && argument) {
    const ids =
      argument === '--all' ? (await deadLetters.list()).map((entry) => entry.id) : [argument];
    let retried = 0;
    for (const id of ids) if (await deadLetters.retry(id)) retried++;
    console.log(`${retried} job(s) back on their queues`);
    return retried === ids.length ? 0 : 1;
  }
  if (action === 'discard' && argument) {
    const discarded = await deadLetters.discard(argument);
    console.log(discarded ? `discarded ${argument}` : `no dead letter ${argument}`);
    return discarded ? 0 : 1;
  }
  console.error(USAGE);
  return 2;
}

const code = await run().finally(async () => {
  await Promise.all([closeQueues(queues), deadLetters.close()]);
  connection.disconnect();
});
process.exit(code);

// The deploy-and-rollback rehearsal (`npm run test:deploy`, docs/deployment.md): on the native
// stack, under steady reads and writes through the edge, deploy a commit that adds a column
// (an expand migration) and code that writes it, then roll back to the commit before. Passes
// when clients saw no error and every event the writes recorded in the outbox became a
// processed job. Prints one PASS or FAIL line with the figures, and exits 0 or 1.
//
// The pair of commits: BASE is this checkout's HEAD; NEXT is BASE plus the expand migration and
// the code change, committed on a throwaway branch in a throwaway work tree (never on main),
// removed at the end. Run it holding the stack lock: the npm script does
// (`flock /tmp/headroom-stack.lock`), and it starts and stops the stack itself.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, readlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { RECONNECT_EVERY_REQUESTS } from '@headroom/testing/load-client';
import {
  nativeServices,
  nativeServiceUrls,
  nativeStackPort,
} from '@headroom/testing/native-services';
import { repoRoot } from '@headroom/testing/processes';
import autocannon from 'autocannon';
import pg from 'pg';

/**
 * Reads per second through the edge: steady load that leaves the 2-core machine room for the
 * deploy's own npm ci and site build, so the figures are about the switch-over, not about a
 * saturated machine (one API process serves ~1,000 req/s of these, docs/capacity.md).
 */
const READS_PER_SECOND = 200;
const READ_CONNECTIONS = 8;
/**
 * One article every WRITE_INTERVAL_MS, round-robin over WRITERS users: 86 a minute in all and
 * 21 per user, under the API's article write limits (120 a minute per address, 30 per user;
 * apps/api/src/config.ts), so a 429 can only mean something broke.
 */
const WRITE_INTERVAL_MS = 700;
const WRITERS = 4;
/** Load before the deploy, between deploy and rollback, and after the rollback. */
const SETTLE_MS = 5_000;
const HOLD_MS = 15_000;
/** How long the worker may take to turn the last writes' outbox events into processed jobs. */
const DRAIN_TIMEOUT_MS = 90_000;

const NEXT_COLUMN = 'rehearsal_note';
const NEXT_MIGRATION_SUFFIX = '_deploy_rehearsal_note';
/** The rehearsal's users (and so their articles) are recognised by this username prefix. */
const WRITER_PREFIX = 'deployrehearsal';
const NEXT_NOTE = 'written by the release under rehearsal';
/** Where NEXT's code change goes: the data of the article insert in the articles service. */
const ARTICLE_INSERT_ANCHOR = /(\n([ \t]*)authorId,\n[ \t]*tags: \{ createMany)/;
const SCHEMA_ANCHOR = /(\n([ \t]*)body[ \t]+String\n)/;

type Figures = Record<string, number | string>;

function git(args: string[], cwd = repoRoot): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();
}

/** Runs an npm script of the checkout, its output shown; rejects when it fails. */
function npmRun(script: string, ...args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '--silent', script, '--', ...args], {
      cwd: repoRoot,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`npm run ${script} ${args.join(' ')}: exit ${code}`)),
    );
  });
}

function utcStamp(date: Date): string {
  return date.toISOString().replace(/[-:T]/g, '').slice(0, 'YYYYMMDDHHMMSS'.length);
}

/**
 * NEXT: BASE plus an expand migration (a nullable column) and code that writes the column on
 * every new article. Committed on a throwaway branch in its own work tree; returns the branch.
 */
function commitNextRelease(base: string, scratchTree: string, branch: string): string {
  git(['worktree', 'add', '-b', branch, scratchTree, base]);
  const migration = `${utcStamp(new Date())}${NEXT_MIGRATION_SUFFIX}`;
  const migrationDir = path.join(scratchTree, 'packages/db/prisma/migrations', migration);
  mkdirSync(migrationDir, { recursive: true });
  writeFileSync(
    path.join(migrationDir, 'migration.sql'),
    `-- The deploy rehearsal's expand step (load-tests/deploy/rehearse-deploy.ts): a nullable\n` +
      `-- column, which the release before it never reads or writes.\n` +
      `ALTER TABLE "articles" ADD COLUMN "${NEXT_COLUMN}" TEXT;\n`,
  );
  patchFile(path.join(scratchTree, 'packages/db/prisma/schema.prisma'), SCHEMA_ANCHOR, (match) => {
    const indent = match[2] ?? '  ';
    return `${match[1]}${indent}rehearsalNote String? @map("${NEXT_COLUMN}")\n`;
  });
  patchFile(
    path.join(scratchTree, 'apps/api/src/modules/articles/articles.service.ts'),
    ARTICLE_INSERT_ANCHOR,
    (match) => `\n${match[2]}rehearsalNote: '${NEXT_NOTE}',${match[1]}`,
  );
  git(['add', '-A'], scratchTree);
  git(
    [
      '-c',
      'user.name=deploy rehearsal',
      '-c',
      'user.email=rehearsal@headroom.invalid',
      'commit',
      '-q',
      '-m',
      `deploy rehearsal: ${migration} and the code writing it`,
    ],
    scratchTree,
  );
  return branch;
}

/** Replaces the anchor's one match; fails with the anchor's name when the code moved on. */
function patchFile(file: string, anchor: RegExp, replacement: (match: RegExpExecArray) => string) {
  const text = readFileSync(file, 'utf8');
  const match = anchor.exec(text);
  if (match === null) {
    throw new Error(
      `the rehearsal's code change no longer applies: ${anchor} is not in ${path.relative(repoRoot, file)} (update rehearse-deploy.ts)`,
    );
  }
  writeFileSync(file, text.replace(anchor, replacement(match)));
}

type Session = { username: string; token: string };

async function register(siteUrl: string, runId: string, index: number): Promise<Session> {
  const username = `${WRITER_PREFIX}${runId}w${index}`;
  const response = await fetch(`${siteUrl}/api/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      user: { username, email: `${username}@example.com`, password: 'rehearsal-password-1' },
    }),
  });
  if (response.status !== 201 && response.status !== 200) {
    throw new Error(`registering ${username}: ${response.status} ${await response.text()}`);
  }
  const { user } = (await response.json()) as { user: { token: string } };
  return { username, token: user.token };
}

/** Paced article writes; every outcome is kept, by phase. */
function startWriter(siteUrl: string, sessions: Session[], phase: () => string) {
  const written: { slug: string; phase: string }[] = [];
  const failures: string[] = [];
  let stopped = false;
  const done = (async () => {
    for (let index = 0; !stopped; index++) {
      const session = sessions[index % sessions.length]!;
      const startedAt = Date.now();
      const currentPhase = phase();
      try {
        const response = await fetch(`${siteUrl}/api/articles`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Token ${session.token}` },
          body: JSON.stringify({
            article: {
              title: `Rehearsal ${index} by ${session.username}`,
              description: 'written while a release rolls over',
              body: `Article **${index}**, phase ${currentPhase}.`,
              tagList: ['rehearsal'],
            },
          }),
        });
        const text = await response.text();
        if (response.status === 201 || response.status === 200) {
          written.push({
            slug: (JSON.parse(text) as { article: { slug: string } }).article.slug,
            phase: currentPhase,
          });
        } else {
          failures.push(
            `POST /api/articles ${response.status} (${currentPhase}): ${text.slice(0, 200)}`,
          );
        }
      } catch (error) {
        failures.push(`POST /api/articles (${currentPhase}): ${(error as Error).message}`);
      }
      await delay(Math.max(0, WRITE_INTERVAL_MS - (Date.now() - startedAt)));
    }
  })();
  return {
    written,
    failures,
    stop: async () => {
      stopped = true;
      await done;
    },
  };
}

function startReads(siteUrl: string, session: Session) {
  const errors: string[] = [];
  let instance: autocannon.Instance | undefined;
  const result = new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon(
      {
        url: siteUrl,
        connections: READ_CONNECTIONS,
        overallRate: READS_PER_SECOND,
        // Far longer than the rehearsal: stopped by stop().
        duration: 3_600,
        reconnectRate: RECONNECT_EVERY_REQUESTS,
        requests: [
          { method: 'GET', path: '/api/articles?limit=10' },
          { method: 'GET', path: '/api/tags' },
          // Signed in: no cache in front of it, so every one reaches an API process.
          {
            method: 'GET',
            path: '/api/user',
            headers: { authorization: `Token ${session.token}` },
          },
          { method: 'GET', path: '/' },
        ],
      },
      (error, done) => (error ? reject(error) : resolve(done)),
    );
    instance.on('reqError', (error: Error) => errors.push(error.message));
  });
  return {
    errors,
    stop: async () => {
      instance?.stop();
      return result;
    },
  };
}

/**
 * What a rehearsal leaves in the stack's database: NEXT's column, the record of NEXT's
 * migration (a name no checkout has) and the rehearsal's users with their articles. Removed
 * before (an earlier run may have stopped half-way) and after, so the dev stack's schema is the
 * checkout's again and the next run's NEXT applies afresh. A test fixture's own contract step,
 * run by hand: nothing deployed uses the column any more.
 */
async function removeRehearsalLeftovers(database: pg.Client): Promise<void> {
  const { rows } = await database.query<{ migrated: boolean }>(
    "SELECT to_regclass('_prisma_migrations') IS NOT NULL AS migrated",
  );
  // A database never migrated holds nothing of a rehearsal.
  if (!rows[0]?.migrated) return;
  await database.query(`ALTER TABLE "articles" DROP COLUMN IF EXISTS "${NEXT_COLUMN}"`);
  await database.query(
    `DELETE FROM "_prisma_migrations" WHERE right(migration_name, length($1)) = $1`,
    [NEXT_MIGRATION_SUFFIX],
  );
  await database.query(`DELETE FROM "users" WHERE starts_with(username, $1)`, [WRITER_PREFIX]);
}

/** The working directory of a stack process: which release's tree it runs. */
async function processTree(name: string): Promise<string> {
  const pid = (
    await readFile(path.join(repoRoot, '.local/stack/procs', `${name}.pid`), 'utf8')
  ).trim();
  return readlink(`/proc/${pid}/cwd`);
}

async function timed(step: () => Promise<void>): Promise<number> {
  const startedAt = Date.now();
  await step();
  return (Date.now() - startedAt) / 1000;
}

async function main(): Promise<boolean> {
  const runId = utcStamp(new Date()).slice(4);
  const base = git(['rev-parse', 'HEAD']);
  const branch = `deploy-rehearsal-${runId}`;
  const scratchTree = path.join(repoRoot, '.local/deploy-rehearsal', runId);
  await mkdir(path.dirname(scratchTree), { recursive: true });
  const figures: Figures = { base: base.slice(0, 12) };
  const problems: string[] = [];
  let database: pg.Client | undefined;
  // Stopped in `finally` too: a failed step must not leave load running against the stack.
  let writer: ReturnType<typeof startWriter> | undefined;
  let reads: ReturnType<typeof startReads> | undefined;
  try {
    commitNextRelease(base, scratchTree, branch);
    const next = git(['rev-parse', branch]);
    figures.next = next.slice(0, 12);

    // Postgres first, and an earlier run's leftovers out of it before stack:up migrates: a NEXT
    // migration that failed there stays recorded as failed, and Prisma then applies nothing.
    nativeServices('up', 'stack');
    database = new pg.Client({ connectionString: nativeServiceUrls('stack').DATABASE_URL });
    await database.connect();
    await removeRehearsalLeftovers(database);
    await npmRun('stack:up');
    // BASE as a release of its own (its work tree, its build): what NEXT replaces and what the
    // rollback returns to. Before the load: this is the set-up, not the rehearsal.
    await npmRun('stack:deploy', base);
    const siteUrl = `http://127.0.0.1:${nativeStackPort('edge')}`;
    const outboxBefore = await database.query<{ now: Date }>('SELECT now() AS now');
    const startedAt = outboxBefore.rows[0]!.now;

    const sessions = await Promise.all(
      Array.from({ length: WRITERS }, (_, index) => register(siteUrl, runId, index)),
    );
    let phase = 'base';
    writer = startWriter(siteUrl, sessions, () => phase);
    reads = startReads(siteUrl, sessions[0]!);
    await delay(SETTLE_MS);

    phase = 'deploying';
    figures.deploySeconds = await timed(() => npmRun('stack:deploy', branch));
    phase = 'next';
    const nextTree = await processTree('api-1');
    await delay(HOLD_MS);

    phase = 'rolling back';
    figures.rollbackSeconds = await timed(() => npmRun('stack:rollback'));
    phase = 'base again';
    const rolledBackTree = await processTree('api-1');
    await delay(HOLD_MS);

    await writer.stop();
    const readResult = await reads.stop();
    const readErrors = readResult.errors + readResult.timeouts + readResult.non2xx;
    figures.reads = readResult.requests.total;
    figures.readErrors = readErrors;
    figures.writes = writer.written.length + writer.failures.length;
    figures.writeErrors = writer.failures.length;
    if (readErrors > 0 || reads.errors.length > 0) {
      problems.push(
        `reads: ${readResult.non2xx} non-2xx, ${readResult.errors} errors, ${readResult.timeouts} timeouts ${JSON.stringify(readResult.statusCodeStats)} ${reads.errors.slice(0, 5).join('; ')}`,
      );
    }
    problems.push(...writer.failures.slice(0, 10));

    // Jobs: every event the writes recorded is delivered by the relay, and the job each article
    // needs (render-article) has run: articles.rendered_at is its mark.
    const slugs = writer.written.map((write) => write.slug);
    const deadline = Date.now() + DRAIN_TIMEOUT_MS;
    let undelivered = Number.POSITIVE_INFINITY;
    let unrendered = Number.POSITIVE_INFINITY;
    while (Date.now() < deadline) {
      const outbox = await database.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM outbox_events WHERE created_at >= $1 AND delivered_at IS NULL',
        [startedAt],
      );
      const rendered = await database.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM articles WHERE slug = ANY($1) AND rendered_at IS NOT NULL',
        [slugs],
      );
      undelivered = outbox.rows[0]!.n;
      unrendered = slugs.length - rendered.rows[0]!.n;
      if (undelivered === 0 && unrendered === 0) break;
      await delay(1_000);
    }
    const events = await database.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM outbox_events WHERE created_at >= $1 AND type = 'article.published'",
      [startedAt],
    );
    figures.articlePublishedEvents = events.rows[0]!.n;
    figures.articlesRendered = slugs.length - unrendered;
    figures.lostJobs = unrendered;
    figures.undeliveredEvents = undelivered;
    if (events.rows[0]!.n !== slugs.length) {
      problems.push(
        `${slugs.length} articles written, ${events.rows[0]!.n} article.published events recorded`,
      );
    }
    if (unrendered > 0 || undelivered > 0) {
      problems.push(
        `${unrendered} articles never rendered, ${undelivered} outbox events undelivered`,
      );
    }

    // NEXT's code wrote the new column while it ran; BASE, rolled back, kept writing without it.
    const notes = await database.query<{ phase: string; noted: number; total: number }>(
      `SELECT w.phase, count(*) FILTER (WHERE a.${NEXT_COLUMN} IS NOT NULL)::int AS noted, count(*)::int AS total
         FROM articles a JOIN unnest($1::text[], $2::text[]) AS w(slug, phase) ON w.slug = a.slug
        GROUP BY w.phase`,
      [slugs, writer.written.map((write) => write.phase)],
    );
    const byPhase = new Map(notes.rows.map((row) => [row.phase, row]));
    figures.nextWroteColumn = `${byPhase.get('next')?.noted ?? 0}/${byPhase.get('next')?.total ?? 0}`;
    figures.baseAgainWroteColumn = `${byPhase.get('base again')?.noted ?? 0}/${byPhase.get('base again')?.total ?? 0}`;
    if ((byPhase.get('next')?.noted ?? 0) === 0)
      problems.push('no article written while NEXT ran has the new column set');
    if ((byPhase.get('base again')?.noted ?? 1) !== 0)
      problems.push('articles written after the rollback have the new column set');
    if (!nextTree.endsWith(next))
      problems.push(`after the deploy api-1 ran ${nextTree}, not NEXT's tree`);
    if (!rolledBackTree.endsWith(base))
      problems.push(`after the rollback api-1 ran ${rolledBackTree}, not BASE's tree`);
  } catch (error) {
    problems.push(`the rehearsal stopped: ${(error as Error).message}`);
  } finally {
    await writer?.stop();
    await reads?.stop().catch(() => {});
    if (database) {
      await removeRehearsalLeftovers(database).catch((error: Error) =>
        problems.push(`removing the rehearsal's rows and column: ${error.message}`),
      );
      await database.end().catch(() => {});
    }
    await npmRun('stack:down').catch((error: Error) => problems.push(error.message));
    removeScratch(scratchTree, branch);
  }
  const line = Object.entries(figures)
    .map(([name, value]) => `${name}=${value}`)
    .join(' ');
  const passed = problems.length === 0;
  console.log(`deploy rehearsal: ${passed ? 'PASS' : 'FAIL'} ${line}`);
  for (const problem of problems) console.log(`  ${problem}`);
  await writeFile(
    path.join(repoRoot, '.local/deploy-rehearsal/last-result.json'),
    `${JSON.stringify({ passed, figures, problems }, null, 2)}\n`,
  );
  return passed;
}

/** The throwaway branch and its work tree, and NEXT's release tree (nothing will run it again). */
function removeScratch(scratchTree: string, branch: string) {
  const quietly = (args: string[]) => {
    try {
      execFileSync('git', args, { cwd: repoRoot, stdio: 'ignore' });
    } catch {
      // Already gone, or never made (the rehearsal stopped before).
    }
  };
  let next = '';
  try {
    next = git(['rev-parse', branch]);
  } catch {}
  quietly(['worktree', 'remove', '--force', scratchTree]);
  if (next !== '')
    quietly(['worktree', 'remove', '--force', path.join(repoRoot, '.local/deploy', next)]);
  quietly(['branch', '-D', branch]);
  quietly(['worktree', 'prune']);
}

// exit, not exitCode: nothing left behind (a fetch stuck on a dead socket) may keep a finished
// rehearsal alive, and with it the stack lock.
process.exit((await main()) ? 0 : 1);

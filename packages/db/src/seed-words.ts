// Word lists for the seed's usernames, titles, bodies and comments (seed-dataset.ts).
// biome-ignore-all format: the lists read better packed than one word per line

export const FIRST_NAMES = [
  'alice', 'amara', 'ana', 'anders', 'arjun', 'ben', 'bilal', 'carla', 'chen', 'chloe', 'dan',
  'daria', 'diego', 'elena', 'emeka', 'emma', 'farah', 'felix', 'grace', 'hana', 'hugo', 'ines',
  'ivan', 'jack', 'jana', 'jonas', 'julia', 'kai', 'kenji', 'lara', 'leo', 'lina', 'lucas',
  'maya', 'mateo', 'mei', 'mia', 'milan', 'nadia', 'nico', 'noah', 'nora', 'olga', 'omar',
  'oscar', 'priya', 'rafael', 'rosa', 'sam', 'sara', 'sofia', 'tariq', 'theo', 'tom', 'vera',
  'victor', 'wei', 'yara', 'yusuf', 'zoe',
] as const;

export const LAST_NAMES = [
  'adeyemi', 'andersen', 'bauer', 'becker', 'costa', 'dubois', 'erikson', 'fischer', 'garcia',
  'gonzalez', 'haddad', 'hansen', 'ito', 'jansen', 'kaur', 'kim', 'kowalski', 'kumar', 'larsen',
  'lee', 'lopez', 'martin', 'meyer', 'moreau', 'murphy', 'nakamura', 'nguyen', 'novak', 'okafor',
  'oliveira', 'park', 'patel', 'petrov', 'popescu', 'rossi', 'santos', 'schmidt', 'silva',
  'singh', 'smith', 'suzuki', 'tanaka', 'taylor', 'vargas', 'wagner', 'walsh', 'wang', 'weber',
  'wilson', 'yilmaz', 'zhang',
] as const;

export const HANDLE_ADJECTIVES = [
  'async', 'brave', 'cosmic', 'curious', 'lazy', 'quiet', 'rusty', 'silent', 'swift', 'tiny',
  'null', 'pixel', 'stateless', 'sudo', 'atomic',
] as const;
export const HANDLE_NOUNS = [
  'coder', 'falcon', 'fox', 'gopher', 'hacker', 'koala', 'lambda', 'otter', 'owl', 'panda',
  'pointer', 'robot', 'tiger', 'wizard', 'dev',
] as const;

export const ROLES = [
  'Backend engineer at', 'Frontend developer at', 'SRE at', 'Staff engineer at',
  'Full-stack developer at', 'Data engineer at', 'Engineering manager at', 'Freelancer, formerly at',
  'Platform engineer at', 'Student and intern at',
] as const;
export const WORKPLACES = [
  'a fintech startup', 'a small agency', 'a logistics company', 'an e-commerce shop',
  'a health-tech scale-up', 'a public broadcaster', 'a game studio', 'a bank', 'a university',
  'an open-source foundation',
] as const;
export const BIO_ENDINGS = [
  'Writing about {topic}.', 'Mostly here for {topic} and good coffee.',
  'Breaking {tool} in production since {n} years.', 'Opinions are my own, bugs are shared.',
  'Learning {topic} in public.', 'I like boring technology and fast queries.',
] as const;

export const TOPICS = [
  'connection pooling', 'database indexes', 'caching', 'rate limiting', 'graceful shutdown',
  'structured logging', 'distributed tracing', 'load testing', 'background jobs',
  'feature flags', 'schema migrations', 'pagination', 'error handling', 'API design',
  'type safety', 'observability', 'zero-downtime deploys', 'retries and backoff',
  'query plans', 'code review', 'monorepos', 'testing strategy', 'container images',
  'autoscaling', 'incident response', 'web performance', 'authentication', 'CSS layout',
  'accessibility', 'state management', 'read replicas', 'message queues', 'idempotency keys',
  'health checks', 'circuit breakers', 'CDN caching', 'server-side rendering', 'dependency updates',
  'secrets management', 'on-call rotations', 'cost optimisation', 'full-text search',
  'websockets', 'timeouts', 'backpressure', 'blue-green deploys', 'canary releases',
  'database locks', 'memory leaks', 'cold starts',
] as const;

export const TOOLS = [
  'PostgreSQL', 'Redis', 'Node.js', 'TypeScript', 'Fastify', 'Prisma', 'BullMQ', 'nginx',
  'Kubernetes', 'Docker', 'Prometheus', 'Grafana', 'OpenTelemetry', 'PgBouncer', 'React',
  'Vite', 'Go', 'Rust', 'Python', 'Terraform', 'k6', 'GitHub Actions', 'Vitest', 'Playwright',
] as const;

export const TITLES = [
  'A practical guide to {topic}', 'What {n} years of {topic} taught me',
  '{Topic} with {tool}: the parts nobody mentions', 'Why we moved from {tool} to {other} for {topic}',
  'Understanding {topic} in {tool}', '{n} mistakes we made with {topic}',
  '{Topic} from first principles', 'How we cut p99 latency by {pct}% with {topic}',
  'Stop worrying about {topic}', '{Topic} in production: a checklist',
  'The case for boring {topic}', 'Debugging {topic} at 3 a.m.', '{tool} and {topic}, revisited',
  'Notes on {topic}', 'A gentle introduction to {topic}', 'Is {topic} still worth it in 2026?',
  '{n} things I wish I knew about {topic}', '{Topic} with {tool} and {other}',
  'How {tool} handles {topic} under load', 'Getting {topic} right with {tool}',
  'We got {topic} wrong for {n} months', '{Topic}: {tool} versus {other}',
  'The hidden cost of {topic}', 'A field guide to {topic} in {tool}',
  'Scaling {topic} to {n} million requests a day', 'Rethinking {topic}',
] as const;

export const DESCRIPTIONS = [
  'What worked, what did not, and what we would do differently with {topic}.',
  'A hands-on walkthrough of {topic} using {tool}.',
  'Lessons from running {topic} for a service with real traffic.',
  'The short version: measure first, then reach for {tool}.',
  'An opinionated take on {topic}, with code.',
  'Everything I wish I had known before touching {topic}.',
] as const;

export const HEADINGS = [
  'The problem', 'What we tried first', 'Measuring before changing', 'The fix',
  'Trade-offs', 'Results', 'What I would do differently', 'Going further with {tool}',
  'A closer look at {topic}', 'Where {tool} fits in', 'The numbers', 'Background',
] as const;

export const CLOSING_HEADINGS = [
  'Wrapping up', 'Conclusion', 'Takeaways', "What's next", 'Further reading', 'Summary',
] as const;

export const TITLE_SUFFIXES = [
  ' (part 2)', ' (part 3)', ', revisited', ' in 10 minutes', ' for small teams',
  ': a case study', ' without the hype', ' on a budget', ' the hard way', ' in 2026',
  ' at scale', ': lessons learned',
] as const;

export const PARAGRAPH_SENTENCES = [
  'Most teams meet {topic} the hard way: during an incident.',
  'We started with the defaults that {tool} ships with, and they held up for a while.',
  'The first symptom was a p99 latency of {ms} ms on a page that usually renders in a blink.',
  'It is tempting to add more machines, but that only hides the real bottleneck.',
  'After a week of measurements the picture was clear: the limit was {topic}.',
  'A small change to how we use {tool} removed {pct}% of the load on the database.',
  'None of this is new, yet it is easy to forget when a deadline is close.',
  'The trick is to make the slow path visible before it becomes the common path.',
  'We wrote a load test first, so every change had a number attached to it.',
  'In hindsight, reading the documentation of {tool} end to end would have saved us days.',
  'There is no silver bullet here, only a handful of habits that add up.',
  'Our dashboards in {other} showed the queue growing long before users noticed.',
  'Each request now does a constant amount of work, no matter how popular the page is.',
  'The code got simpler too, which is usually a sign that the design is right.',
  'Keep the change small, ship it behind a flag and watch the graphs.',
  'If you only take one thing from this post, make it this: measure, then change one thing.',
  'The service handles about {n} thousand requests per minute at peak.',
  'Our first attempt made things worse: throughput dropped by {pct}% and nobody knew why.',
  'Reading the source of {tool} turned out to be faster than searching for answers.',
  'We kept a log of every experiment, including the ones that went nowhere.',
  'The bottleneck moved twice before it settled where we expected it.',
  'A flame graph made the problem obvious within minutes.',
  'Half of the fix was deleting code that nobody remembered writing.',
  'We now review {topic} in every design document, not after launch.',
  'It took {n} iterations to find a setting that held up under a traffic spike.',
  'The documentation of {tool} describes this behaviour, just not where you would look.',
  'Latency at the median barely moved; the tail is where the win was.',
  'Nobody on the team had touched {topic} in years, so we started from the basics.',
  'The staging environment hid the problem because its data set was tiny.',
  'Pairing on the change spread the knowledge better than any write-up could.',
] as const;

export const CLOSING_SENTENCES = [
  'Thanks for reading, and let me know how {topic} works out for you.',
  'The full example is about {n} files long; reading it top to bottom takes ten minutes.',
  'Next time I will look at how {tool} behaves under a traffic spike.',
  'Questions and corrections are welcome in the comments.',
  'None of it is clever, and that is the point.',
] as const;

export const LIST_ITEMS = [
  'Measure the baseline before touching anything', 'Set a timeout on every network call',
  'Keep {tool} close to its defaults until a number says otherwise',
  'Log one structured line per request', 'Make retries idempotent',
  'Put a hard limit on the size of every queue', 'Test {topic} against a real database',
  'Alert on symptoms, not causes', 'Write the rollback plan first', 'Document why, not what',
  'Cap the pool size at what the database can take', 'Add an index for every hot query',
  'Load test with production-sized data', 'Keep one dashboard per service',
  'Delete feature flags once they ship', 'Read the changelog of {tool} before upgrading',
] as const;

export const COMMENT_SENTENCES = [
  'Great write-up, thanks for sharing!', 'We hit exactly the same issue with {topic} last month.',
  'Did you consider using a queue for this?', 'The numbers in the results section are impressive.',
  'I would love a follow-up on how this behaves under load.', 'This saved me an afternoon.',
  'Small nit: the second code block is missing an import.',
  'How does this compare to what {tool} does out of the box?',
  'Bookmarked. Sharing with my team tomorrow.', 'Not sure I agree, but it is a good argument.',
  'The part about {topic} finally made it click for me.', 'Any plans to open-source the tooling?',
] as const;

export const CODE_SNIPPETS: ReadonlyArray<readonly [string, string]> = [
  [
    'ts',
    "const pool = new Pool({ connectionString, max: 10 });\nconst { rows } = await pool.query('SELECT now()');\nconsole.log(rows[0]);",
  ],
  [
    'sql',
    'EXPLAIN ANALYZE\nSELECT id, title FROM articles\nORDER BY created_at DESC, id DESC\nLIMIT 20;',
  ],
  ['bash', 'curl -s localhost:3000/api/articles?limit=20 | jq length\nhyperfine --warmup 3 ./run.sh'],
  [
    'ts',
    'export async function withRetry<T>(fn: () => Promise<T>, attempts = 3): Promise<T> {\n  for (let i = 1; ; i++) {\n    try {\n      return await fn();\n    } catch (error) {\n      if (i >= attempts) throw error;\n      await new Promise((r) => setTimeout(r, 2 ** i * 100));\n    }\n  }\n}',
  ],
  [
    'go',
    'func handler(w http.ResponseWriter, r *http.Request) {\n\tctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)\n\tdefer cancel()\n\tserve(ctx, w)\n}',
  ],
  [
    'python',
    'import time\n\nstart = time.perf_counter()\nresult = run_query()\nprint(f"{len(result)} rows in {time.perf_counter() - start:.3f}s")',
  ],
  ['sql', 'CREATE INDEX CONCURRENTLY articles_author_id_created_at_idx\n  ON articles (author_id, created_at DESC);'],
  ['yaml', 'resources:\n  requests:\n    cpu: 250m\n    memory: 256Mi\n  limits:\n    memory: 512Mi'],
];

export const TAGS = [
  'javascript', 'typescript', 'node', 'react', 'webdev', 'programming', 'postgres', 'devops',
  'docker', 'kubernetes', 'beginners', 'tutorial', 'performance', 'architecture', 'testing',
  'python', 'go', 'rust', 'css', 'html', 'security', 'database', 'redis', 'aws', 'linux',
  'career', 'productivity', 'opensource', 'api', 'graphql', 'microservices', 'monitoring',
  'observability', 'sql', 'nginx', 'caching', 'frontend', 'backend', 'cloud', 'git',
  'vue', 'svelte', 'nextjs', 'deno', 'bun', 'vite', 'prisma', 'fastify', 'express', 'java',
  'kotlin', 'swift', 'android', 'ios', 'machinelearning', 'ai', 'datascience', 'terraform',
  'ansible', 'ci', 'cicd', 'githubactions', 'serverless', 'webassembly', 'accessibility',
  'design', 'ux', 'startup', 'management', 'leadership', 'interview', 'algorithms',
  'datastructures', 'functional', 'oop', 'refactoring', 'cleancode', 'debugging', 'logging',
  'tracing', 'prometheus', 'grafana', 'loadtesting', 'scalability', 'reliability', 'sre',
  'incidents', 'postmortem', 'queues', 'messaging', 'kafka', 'rabbitmq', 'elixir', 'ruby',
  'rails', 'php', 'laravel', 'dotnet', 'csharp', 'haskell', 'zig',
] as const;

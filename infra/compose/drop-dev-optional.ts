// Run by the Dockerfile's runtime-deps stage right after `npm ci --omit=dev`, from /app:
//   node /tmp/drop-dev-optional.ts
// npm keeps what the lockfile marks `devOptional`: dev tools that a production package names
// only as an optional peer (@prisma/client -> prisma and typescript, react-router ->
// @types/react), with their whole trees: the Prisma CLI, its studio and dev server, tsc.
// Nothing at runtime imports them (migrations run through @prisma/schema-engine-wasm; the
// client is generated in the build stage), so they leave the image here.
// `--omit=optional` would not do: it also drops the platform binaries tsx (esbuild) and
// @node-rs/argon2 load, which the lockfile marks `optional`, not `devOptional`.
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

interface Lockfile {
  packages: Record<string, { devOptional?: boolean }>;
}

/** Removes every devOptional package under `root`, and the commands left pointing at nothing. */
export function dropDevOptional(root: string): { packages: string[]; commands: string[] } {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as Lockfile;
  const packages = Object.entries(lock.packages)
    .filter(([path, entry]) => path !== '' && entry.devOptional === true)
    .map(([path]) => path);
  for (const path of packages) rmSync(join(root, path), { recursive: true, force: true });

  // Their commands (prisma, tsc) would stay behind as links to nothing.
  const binDirectory = join(root, 'node_modules', '.bin');
  const commands = existsSync(binDirectory)
    ? readdirSync(binDirectory).filter((name) => !existsSync(join(binDirectory, name)))
    : [];
  for (const name of commands) rmSync(join(binDirectory, name), { force: true });
  return { packages, commands };
}

if (import.meta.main) {
  const { packages, commands } = dropDevOptional(process.cwd());
  console.log(
    `drop-dev-optional: removed ${packages.length} packages and ${commands.length} commands`,
  );
}

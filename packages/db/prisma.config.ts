// Prisma CLI configuration. DATABASE_URL is only needed by commands that talk to a database
// (migrate through the native engine, where it can be downloaded); `generate` does not.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? '' },
});

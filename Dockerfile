# syntax=docker/dockerfile:1.7
# One Dockerfile, one target per process: `api` and `migrate` (compose builds each).
# Stages: install all dependencies and generate the Prisma client (build), install production
# dependencies only (runtime-deps), then copy both into a slim image that runs as `node`.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS manifests
WORKDIR /app
# Only manifests first, so the dependency layers are rebuilt when dependencies change, not
# on every source edit.
COPY package.json package-lock.json ./
COPY apps/api/package.json apps/api/
COPY packages/config/package.json packages/config/
COPY packages/db/package.json packages/db/
COPY packages/errors/package.json packages/errors/
COPY packages/telemetry/package.json packages/telemetry/
COPY packages/testing/package.json packages/testing/

FROM manifests AS build
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run db:generate

FROM manifests AS runtime-deps
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=runtime-deps --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/packages ./packages
COPY --from=build --chown=node:node /app/apps ./apps
USER node

FROM runtime AS migrate
CMD ["node", "--import", "tsx", "packages/db/src/migrate-cli.ts", "deploy"]

FROM runtime AS api
ENV HOST=0.0.0.0 PORT=3000 METRICS_PORT=9464
EXPOSE 3000 9464
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:3000/api/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--import", "tsx", "--import", "@headroom/telemetry/register", "apps/api/src/main.ts"]

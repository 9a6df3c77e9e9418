# syntax=docker/dockerfile:1.7
# One Dockerfile, one target per kind of process in docker-compose.yml:
#   api, worker, migrate (which also runs the seed)   Node, from the same source tree
#   web, edge, lb                                      nginx, each with a template from infra/nginx/
#   pgbouncer                                          PgBouncer with infra/pgbouncer/'s template
#   pgbouncer-exporter                                 infra/pgbouncer/exporter.ts, Node, as natively
# Node stages: every dependency plus the generated Prisma client (build), production
# dependencies only (runtime-deps), then the two joined in a slim image (runtime).
# Every target runs as a user other than root; infra/compose/test/compose.test.ts checks it.
ARG NODE_IMAGE=node:24-bookworm-slim
# The official image renders /etc/nginx/templates/*.template at start: the same templates the
# native scripts render (infra/nginx/). They use nothing newer than Debian's nginx 1.22, which
# runs them natively and in the tests.
ARG NGINX_IMAGE=nginx:1.30
# Debian 12 ships PgBouncer 1.18, the version the native stack runs (from apt).
ARG DEBIAN_IMAGE=debian:bookworm-slim

FROM ${NODE_IMAGE} AS manifests
WORKDIR /app
# Only manifests first, so the dependency layers are rebuilt when dependencies change, not
# on every source edit. Every workspace's manifest: npm ci refuses a lockfile that names a
# workspace it cannot find.
COPY package.json package-lock.json ./
COPY apps/api/package.json apps/api/
COPY apps/web/package.json apps/web/
COPY apps/worker/package.json apps/worker/
COPY packages/cache/package.json packages/cache/
COPY packages/config/package.json packages/config/
COPY packages/db/package.json packages/db/
COPY packages/errors/package.json packages/errors/
COPY packages/jobs/package.json packages/jobs/
COPY packages/telemetry/package.json packages/telemetry/
COPY packages/testing/package.json packages/testing/
COPY load-tests/package.json load-tests/

FROM manifests AS build
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY . .
RUN npm run db:generate

FROM manifests AS runtime-deps
COPY infra/compose/drop-dev-optional.ts /tmp/
# drop-dev-optional.ts removes the Prisma CLI and tsc, which npm keeps as optional peers of
# @prisma/client (about 220 MB of the 490 MB npm installs).
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --no-audit --no-fund \
  && node /tmp/drop-dev-optional.ts

# What the Node targets share. Files stay owned by root: the process, running as `node`, can
# read its code but not rewrite it. tsx compiles into the system temp directory, not here.
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Production node_modules (the root one and any a workspace keeps of its own) with the
# manifests, then the code that runs (.dockerignore keeps node_modules and generated files
# out of the context), then the Prisma client generated in the build stage.
COPY --from=runtime-deps /app ./
COPY apps/api apps/api
COPY apps/worker apps/worker
COPY packages packages
COPY --from=build /app/packages/db/src/generated packages/db/src/generated
USER node

FROM runtime AS migrate
CMD ["node", "--import", "tsx", "packages/db/src/migrate-cli.ts", "deploy"]

# The entry commands are apps/<app>/package.json's `start` scripts, run from /app.
FROM runtime AS api
ENV HOST=0.0.0.0 PORT=3000 METRICS_PORT=9464
EXPOSE 3000 9464
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:3000/api/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--import", "tsx", "--import", "@headroom/telemetry/register", "apps/api/src/main.ts"]

FROM runtime AS worker
ENV HOST=0.0.0.0 METRICS_PORT=9465
EXPOSE 9465
# The metrics server starts last, once the queues, the outbox relay and the schedules run.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9465/metrics').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--import", "tsx", "--import", "@headroom/telemetry/register", "apps/worker/src/main.ts"]

# PgBouncer's pools for Prometheus: the exporter the native stack runs (stack.sh), so both
# topologies export the same metric names. Plain node (types stripped); `pg` is in the runtime's
# node_modules already (packages/db and the worker depend on it).
FROM runtime AS pgbouncer-exporter
ENV PGBOUNCER_EXPORTER_HOST=0.0.0.0 PGBOUNCER_EXPORTER_PORT=9127
COPY infra/pgbouncer/exporter.ts infra/pgbouncer/exporter-main.ts infra/pgbouncer/
EXPOSE 9127
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9127/metrics').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "infra/pgbouncer/exporter-main.ts"]

# The site, built (and its JavaScript budget checked) in the node stage.
FROM build AS web-build
RUN npm run build -w @headroom/web

# What the nginx targets share. The official image starts nginx as root, which then drops its
# workers to `nginx`; here the master runs as `nginx` too. It can: every port is above 1024,
# and what it writes at start is made writable for it: the pid file (moved to /tmp), the
# rendered templates (conf.d) and the cache and temp files (/var/cache/nginx). The image's
# default site (port 80) goes: each target renders its own template in its place.
FROM ${NGINX_IMAGE} AS nginx-base
RUN sed -i -e '/^user /d' -e 's|^pid .*;|pid /tmp/nginx.pid;|' /etc/nginx/nginx.conf \
  && rm -f /etc/nginx/conf.d/default.conf \
  && rm -rf /usr/share/nginx/html/* \
  && chown -R nginx:nginx /etc/nginx/conf.d /var/cache/nginx
USER nginx

# The web origin: nginx serving the build, with the caching headers of web-origin.conf.
FROM nginx-base AS web
ENV WEB_LISTEN=8082 WEB_ROOT=/usr/share/nginx/html \
    NGINX_ENVSUBST_FILTER=^WEB_
COPY infra/nginx/web-origin.conf.template /etc/nginx/templates/default.conf.template
COPY --from=web-build /app/apps/web/dist /usr/share/nginx/html
EXPOSE 8082
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:8082/healthz"]

# The edge: the front door, passing /api/ to the load balancer.
FROM nginx-base AS edge
ENV EDGE_LISTEN=8080 EDGE_ORIGIN_UPSTREAM=web:8082 EDGE_API_UPSTREAM=lb:8081 \
    EDGE_CACHE_DIR=/var/cache/nginx/edge EDGE_BODY_LIMIT_BYTES=262144 \
    NGINX_ENVSUBST_FILTER=^EDGE_
COPY infra/nginx/edge.conf.template /etc/nginx/templates/default.conf.template
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:8080/healthz"]

# The load balancer in front of the API replicas. nginx resolves `api` once, at start, into
# one upstream server per replica (a name with several addresses defines several servers).
FROM nginx-base AS lb
ENV LB_LISTEN=8081 \
    LB_API_SERVERS="server api:3000 max_fails=1 fail_timeout=2s;" \
    LB_BODY_LIMIT_BYTES=262144 \
    NGINX_ENVSUBST_FILTER=^LB_
COPY infra/nginx/lb.conf.template /etc/nginx/templates/default.conf.template
EXPOSE 8081
# Through to a replica: healthy means the balancer can reach at least one API process.
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:8081/api/healthz"]

# PgBouncer from Debian's package, which also creates the `postgres` user it runs as.
# pg_isready (postgresql-client) is for the health check; envsubst (gettext-base) renders the
# template in infra/compose/pgbouncer/entrypoint.sh.
FROM ${DEBIAN_IMAGE} AS pgbouncer
RUN apt-get update \
  && apt-get install -y --no-install-recommends pgbouncer postgresql-client gettext-base \
  && rm -rf /var/lib/apt/lists/* \
  && install -d -o postgres -g postgres /run/pgbouncer
ENV PGBOUNCER_LISTEN_ADDR=0.0.0.0 PGBOUNCER_LISTEN_PORT=6432 POSTGRES_PORT=5432 \
    PGBOUNCER_AUTH_FILE=/etc/pgbouncer/userlist.txt PGBOUNCER_DATA_DIR=/run/pgbouncer
COPY infra/pgbouncer/pgbouncer.ini.template /etc/pgbouncer/
COPY infra/compose/pgbouncer/entrypoint.sh /usr/local/bin/pgbouncer-entrypoint
USER postgres
EXPOSE 6432
# As the user and database the apps use: PgBouncer knows no other, and logs each stranger.
HEALTHCHECK --interval=5s --timeout=3s --start-period=5s --retries=5 \
  CMD ["pg_isready", "--quiet", "--host=127.0.0.1", "--port=6432", "--username=headroom", "--dbname=headroom"]
ENTRYPOINT ["pgbouncer-entrypoint"]

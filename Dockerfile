# syntax=docker/dockerfile:1.7
# One Dockerfile, one target per process: `api` and `migrate` (compose builds each), and the
# two nginx of the front: `web` (the built site) and `edge` (the CDN-like cache before it).
# Stages: install all dependencies and generate the Prisma client (build), install production
# dependencies only (runtime-deps), then copy both into a slim image that runs as `node`.
ARG NODE_IMAGE=node:24-bookworm-slim
# The official image renders /etc/nginx/templates/*.template at start: the same templates the
# native scripts render (infra/nginx/). They use nothing newer than Debian's nginx 1.22, which
# runs them natively and in the tests.
ARG NGINX_IMAGE=nginx:1.30

FROM ${NODE_IMAGE} AS manifests
WORKDIR /app
# Only manifests first, so the dependency layers are rebuilt when dependencies change, not
# on every source edit.
COPY package.json package-lock.json ./
COPY apps/api/package.json apps/api/
COPY apps/web/package.json apps/web/
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

# The site, built (and its JavaScript budget checked) in the node stage.
FROM build AS web-build
RUN npm run build -w @headroom/web

# The web origin: nginx serving the build, with the caching headers of web-origin.conf.
FROM ${NGINX_IMAGE} AS web
ENV WEB_LISTEN=8082 WEB_ROOT=/usr/share/nginx/html \
    NGINX_ENVSUBST_FILTER=^WEB_
RUN rm -rf /usr/share/nginx/html/*
COPY infra/nginx/web-origin.conf.template /etc/nginx/templates/default.conf.template
COPY --from=web-build /app/apps/web/dist /usr/share/nginx/html
EXPOSE 8082
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:8082/healthz"]

# The edge: the front door. Upstreams are the compose service names; EDGE_API_UPSTREAM will
# name a load balancer when there are API replicas.
FROM ${NGINX_IMAGE} AS edge
ENV EDGE_LISTEN=8080 EDGE_ORIGIN_UPSTREAM=web:8082 EDGE_API_UPSTREAM=api:3000 \
    EDGE_CACHE_DIR=/var/cache/nginx/edge NGINX_ENVSUBST_FILTER=^EDGE_
COPY infra/nginx/edge.conf.template /etc/nginx/templates/default.conf.template
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:8080/healthz"]

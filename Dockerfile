# syntax=docker/dockerfile:1
#
# One image for every Vigil service in distributed mode (README, "Running modes"); the command
# chooses the app:
#
#   docker build -t vigil/vigil .
#   docker run -e AMQP_URL=... -e DATABASE_URL=... vigil/vigil                 # the gateway (the default)
#   docker run -e AMQP_URL=... -e DATABASE_URL=... vigil/vigil node dist/apps/user/src/main.js
#   docker run --rm -e DATABASE_URL=... vigil/vigil node dist/apps/standalone/src/cli/migrate.js
#
# The apps are dist/apps/<name>/src/main.js for gateway, user, alert, agent-runner, history and
# notification. Each listens on one port in its container: the gateway on PORT, the others on
# HEALTH_PORT (health and metrics); both default to 3000 here, so any app runs as it is and the
# image's health check finds it. docker-compose.yml and k8s/ give each its own port.
#
# Stages: base -> manifests (package.json files only, so `npm ci` is cached until they change)
# -> build (npm ci, SWC build, prune dev dependencies) -> runtime (the image).

ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS base
WORKDIR /app

# ---------------------------------------------------------------------------------------------
# The workspace manifests alone: npm ci needs every workspace's package.json in place.
FROM base AS manifests
COPY apps/ apps/
COPY libs/ libs/
RUN find apps libs -mindepth 2 -maxdepth 2 ! -name package.json -exec rm -rf {} +

# ---------------------------------------------------------------------------------------------
# Toolchain for native addons built from source (better-sqlite3 ships prebuilt N-API binaries for
# linux x64/arm64, glibc and musl, so normally nothing compiles): only here, never in the runtime image.
FROM base AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
# Build native addons against this image's own Node headers rather than downloading them.
ENV npm_config_nodedir=/usr/local
COPY package.json package-lock.json .npmrc ./
COPY --from=manifests /app/ ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --no-audit --no-fund
COPY tsconfig.base.json tsconfig.json ./
COPY scripts/ scripts/
COPY apps/ apps/
COPY libs/ libs/
RUN node scripts/build.mjs apps libs \
 && npm prune --omit=dev --no-audit --no-fund \
 && node -e "require('better-sqlite3')(':memory:').close()"

# ---------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules/ node_modules/
COPY --from=build /app/dist/ dist/
# The agent runner's default agents configuration (AGENTS_CONFIG points elsewhere to replace it).
COPY --from=build /app/apps/agent-runner/agents.yaml apps/agent-runner/agents.yaml
# The notification service's message templates (a tenant's own override them).
COPY --from=build /app/apps/notification/templates/ apps/notification/templates/
# Health check without curl: exits 0 when this container's app answers 2xx on the path given (default
# /health/live). Its port is HEALTH_PORT (every app but the gateway) or PORT (the gateway): a
# container runs one app, so the first of the two where something listens is it.
COPY <<'EOF' /app/healthcheck.mjs
const ports = [...new Set([process.env.HEALTH_PORT, process.env.PORT, '3000'].filter(Boolean))];
const path = process.argv[2] || '/health/live';
for (const port of ports) {
  try {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(4000) });
    process.exit(res.ok ? 0 : 1);
  } catch (error) {
    // Nothing listens on this port: the app is on the next one. Anything else is a failed check.
    if (error?.cause?.code !== 'ECONNREFUSED') process.exit(1);
  }
}
process.exit(1);
EOF
# Standalone mode's SQLite default (./data) stays writable should anyone run it from this image.
# /run/vigil-keys, /run/vigil-database, /run/vigil-broker: where docker-compose.yml's keys job writes
# the shared keys and the generated credentials (a named volume takes its directory's owner on its
# first mount).
RUN mkdir -p /app/data /run/vigil-keys /run/vigil-database /run/vigil-broker \
 && chown node:node /app/data /run/vigil-keys /run/vigil-database /run/vigil-broker
USER node
# Every app's port in its own container unless told otherwise (see the top of this file).
ENV PORT=3000 HEALTH_PORT=3000
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 CMD ["node", "/app/healthcheck.mjs", "/health/live"]
# Exec form: node is the process the container's stop signal reaches, for the graceful shutdown.
CMD ["node", "dist/apps/gateway/src/main.js"]

# syntax=docker/dockerfile:1
#
# One image recipe for every Vigil service in distributed mode (README, "Running modes"):
#
#   docker build --build-arg APP=user -t vigil/user .
#
# APP is one of gateway (default), user, alert, agent-runner, history, notification; each has
# its own final stage below (app-<name>) that sets the port it listens on. Any other name fails
# the build. Every image holds the whole of dist/, so any of them can also run the migrations:
#
#   docker run --rm -e DATABASE_URL=... vigil/gateway node dist/apps/standalone/src/cli/migrate.js
#
# Stages: base -> manifests (package.json files only, so `npm ci` is cached until they change)
# -> build (npm ci, SWC build, prune dev dependencies) -> runtime -> app-<name>.

ARG APP=gateway
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
# Liveness probe without curl: exits 0 when this container's service answers 2xx on the path
# given (default /health/live) on HEALTH_PORT, or PORT for the gateway.
COPY <<'EOF' /app/healthcheck.mjs
const port = process.env.HEALTH_PORT || process.env.PORT || '3000';
const path = process.argv[2] || '/health/live';
try {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(4000) });
  process.exit(res.ok ? 0 : 1);
} catch {
  process.exit(1);
}
EOF
# Standalone mode's SQLite default (./data) stays writable should anyone run it from this image.
# /run/vigil-keys: where docker-compose.yml's keys job writes the shared keys (a named volume takes
# this directory's owner on its first mount).
RUN mkdir -p /app/data /run/vigil-keys && chown node:node /app/data /run/vigil-keys
USER node
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 CMD ["node", "/app/healthcheck.mjs", "/health/live"]
# exec: node is PID 1's direct replacement and gets SIGTERM for the graceful shutdown.
CMD ["sh", "-c", "exec node \"dist/apps/${VIGIL_APP}/src/main.js\""]

# ---------------------------------------------------------------------------------------------
# One final stage per service: its name and port (libs/config's defaults).
FROM runtime AS app-gateway
ENV VIGIL_APP=gateway PORT=3000
EXPOSE 3000

FROM runtime AS app-user
ENV VIGIL_APP=user HEALTH_PORT=3001
EXPOSE 3001

FROM runtime AS app-alert
ENV VIGIL_APP=alert HEALTH_PORT=3002
EXPOSE 3002

FROM runtime AS app-agent-runner
ENV VIGIL_APP=agent-runner HEALTH_PORT=3003
EXPOSE 3003

FROM runtime AS app-history
ENV VIGIL_APP=history HEALTH_PORT=3004
EXPOSE 3004

FROM runtime AS app-notification
ENV VIGIL_APP=notification HEALTH_PORT=3005
EXPOSE 3005

# The image: the stage APP names (an unknown APP has no such stage and fails the build).
FROM app-${APP} AS final
RUN test -f "dist/apps/${VIGIL_APP}/src/main.js"

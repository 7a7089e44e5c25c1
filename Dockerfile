# Storefront Gateway: a production image (docs/operations.md, "Docker").
#
#   docker build -t storefront-gateway .
#   docker run --env-file .env -p 4000:4000 storefront-gateway
#
# Two stages: `build` installs every dependency and generates the Prisma client
# and the GraphQL resolver types (src/generated, not in git); `runtime` has the
# production dependencies only, the sources and the generated files. TypeScript
# runs through tsx at run time (as `npm start` does), so tsx is a production
# dependency and there is no compile step.

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No dependency install scripts (npm 11 blocks them by default too): nothing
# here needs one, and Prisma's would download native engines this project does
# not use. The root package's own postinstall (code generation) runs below.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run generate

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    PORT=4000 \
    CHECKPOINT_DISABLE=1 \
    PRISMA_HIDE_UPDATE_MESSAGE=1
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
# What runs: the gateway (src), its generated code, the SDL it loads at start,
# the migrations and offline schema engine (`npm run db:migrate`), the scripts,
# the sandbox payment provider (for demos: compose.yaml runs it) and the
# storefront's trusted-documents manifest (PERSISTED_OPERATIONS=only).
COPY --from=build /app/src ./src
COPY --from=build /app/schema ./schema
COPY --from=build /app/prisma ./prisma
COPY --from=build /app/scripts ./scripts
COPY --from=build /app/sandbox ./sandbox
COPY --from=build /app/clients ./clients
COPY --from=build /app/prisma.config.ts /app/tsconfig.json ./
# Only the embedded database (no DATABASE_URL) writes here; everything else is read-only.
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
EXPOSE 4000
# Ready: not shutting down, the database reachable and migrated. Unhealthy
# during a database outage and while draining, which is what an orchestrator
# routing by health should see.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# What `npm start` runs, without npm in front of it: PID 1 is the gateway, so
# SIGTERM from `docker stop` reaches it directly, and it drains
# (SHUTDOWN_GRACE_MS, SHUTDOWN_TIMEOUT_MS) and exits 0.
CMD ["node", "--max-semi-space-size=32", "--import", "tsx", "src/server.ts"]

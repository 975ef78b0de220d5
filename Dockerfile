# syntax=docker/dockerfile:1

# Build stage: install everything, compile TypeScript, then drop dev dependencies.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-fund --no-audit
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY web ./web
RUN npm run build && npm prune --omit=dev

# Runtime stage: compiled code, production dependencies and migrations only.
FROM node:20-bookworm-slim
ENV NODE_ENV=production PORT=3000 HOST=0.0.0.0
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --chown=node:node drizzle ./drizzle
# The admin command (`npm run admin -- <command>`, docs/admin.md) runs dist/src/admin/main.js through this.
COPY --chown=node:node bin ./bin
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/api/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Node as PID 1 receives SIGTERM directly; Parley shuts down gracefully on it.
# A larger young generation: under load a direct message lives across a database commit,
# and with the default size such short-lived objects are promoted and collected the slow way.
CMD ["node", "--max-semi-space-size=64", "dist/src/main.js"]

# The l1stream service image (used by docker-compose.yml): `docker run l1stream run --config FILE`.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# exactly the locked versions (package-lock.json); the build is the explicit step below
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY bin bin
COPY config config
COPY src src
COPY connectors connectors
COPY examples examples
COPY bench bench
COPY scripts/bundle-cli.mjs scripts/
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
COPY --from=build /app/config ./config
COPY --from=build /app/connectors/kafka/schemas ./connectors/kafka/schemas
USER node
# l1stream run serves /metrics, /healthz and /readyz here when the configuration sets "http": {"port": 9464}
EXPOSE 9464
ENTRYPOINT ["node", "bin/l1stream.js"]

# One image for the api, the worker and the simulators; the compose file picks the entry point.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --omit=dev --no-audit --no-fund || npm install --no-audit --no-fund
COPY . .
ENV NODE_ENV=production
CMD ["npm", "run", "api"]

#!/usr/bin/env bash
# Runs a real Temporal server (v1.29.1, not the CLI dev server) on PostgreSQL, in the foreground, for
#   TEMPORAL_ADDRESS=127.0.0.1:7233 npm run bench
# No Docker needed: builds `server` and `sql` (temporal-sql-tool) with Go if missing, (re)creates the two
# databases, applies the schema, writes the config into $TEMPORAL_RUN_DIR and execs the server.
# Run it in the background, then once per fresh database:
#   temporal operator namespace create default --address 127.0.0.1:7233   # (if `default` is missing)
#   TEMPORAL_ADDRESS=127.0.0.1:7233 npm run register-search-attributes
# Env: TEMPORAL_PORT (7233; at most 33067: the membership ports, PORT-300…, are stored in a smallint column and a
#      larger one kills the server at start with "out of range for type smallint"), TEMPORAL_SHARDS (4), TEMPORAL_PG_HOST/PORT/USER/PASSWORD (127.0.0.1/5432/postgres/''),
#      TEMPORAL_DB / TEMPORAL_VISIBILITY_DB (temporal_bench / temporal_bench_visibility),
#      TEMPORAL_PG_RESET (1: drop and recreate both databases; 0: keep data, only update the schema),
#      TEMPORAL_RUN_DIR (.data/temporal-postgres), TEMPORAL_LOG_LEVEL (warn).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VERSION=v1.29.1
PORT="${TEMPORAL_PORT:-7233}"
SHARDS="${TEMPORAL_SHARDS:-4}"
PG_HOST="${TEMPORAL_PG_HOST:-127.0.0.1}"
PG_PORT="${TEMPORAL_PG_PORT:-5432}"
PG_USER="${TEMPORAL_PG_USER:-postgres}"
PG_PASSWORD="${TEMPORAL_PG_PASSWORD:-}"
DB="${TEMPORAL_DB:-temporal_bench}"
VIS_DB="${TEMPORAL_VISIBILITY_DB:-temporal_bench_visibility}"
RESET="${TEMPORAL_PG_RESET:-1}"
RUN_DIR="${TEMPORAL_RUN_DIR:-$ROOT/.data/temporal-postgres}"
LOG_LEVEL="${TEMPORAL_LOG_LEVEL:-warn}"

# Go: on PATH or /usr/local/go/bin; pinned toolchain, static binaries.
command -v go >/dev/null 2>&1 || export PATH="/usr/local/go/bin:$PATH"
export GOTOOLCHAIN=local CGO_ENABLED=0
GOBIN_DIR="$(go env GOBIN)"; GOBIN_DIR="${GOBIN_DIR:-$(go env GOPATH)/bin}"
# A directory per version under Go's bin dir: the generic names `server` and `sql` are never someone else's binary,
# and another VERSION builds anew.
BIN_DIR="$GOBIN_DIR/temporal-server-$VERSION"
SERVER="$BIN_DIR/server"
SQL="$BIN_DIR/sql"

# Build the server and the schema tool once (the server takes minutes on 2 cores).
[ -x "$SERVER" ] || GOBIN="$BIN_DIR" nice -n 19 go install "go.temporal.io/server/cmd/server@$VERSION"
[ -x "$SQL" ] || GOBIN="$BIN_DIR" nice -n 19 go install "go.temporal.io/server/cmd/tools/sql@$VERSION"

# Versioned schema directories ship in the module source (update-schema embeds only MySQL's).
MOD_DIR="$(go env GOMODCACHE)/go.temporal.io/server@$VERSION"
[ -d "$MOD_DIR" ] || go mod download "go.temporal.io/server@$VERSION"
SCHEMA="$MOD_DIR/schema/postgresql/v12"

sqltool() { "$SQL" --plugin postgres12 --ep "$PG_HOST" -p "$PG_PORT" -u "$PG_USER" --pw "$PG_PASSWORD" --db "$1" "${@:2}"; }

# Databases: drop and recreate (RESET=1), or create if missing; then bring the schema to the latest version.
for pair in "$DB:temporal" "$VIS_DB:visibility"; do
  db="${pair%%:*}"; kind="${pair#*:}"
  if [ "$RESET" = 1 ]; then sqltool "$db" drop-database --force --defaultdb postgres; fi   # DROP ... IF EXISTS
  sqltool "$db" create-database --defaultdb postgres   # no-op if it exists
  sqltool "$db" setup-schema -v 0.0                    # version tables; no-op when already set up
  sqltool "$db" update-schema -d "$SCHEMA/$kind/versioned"
done

# Config: $RUN_DIR/config/development.yaml, the shape of the module's config/development-postgres12.yaml.
mkdir -p "$RUN_DIR/config"
# Dynamic config: the same file the dev server (lib/temporalServer.ts) and docker-compose.yml use.
cp "$ROOT/lib/temporal-dynamic-config.yaml" "$RUN_DIR/dynamicconfig.yaml"

datastore() { # name db maxConns
  cat <<EOF
    $1:
      sql:
        pluginName: "postgres12"
        databaseName: "$2"
        connectAddr: "$PG_HOST:$PG_PORT"
        connectProtocol: "tcp"
        user: "$PG_USER"
        password: "$PG_PASSWORD"
        maxConns: $3
        maxIdleConns: $3
        maxConnLifetime: "1h"
EOF
}
service() { # name grpcPort membershipPort
  printf '  %s:\n    rpc:\n      grpcPort: %s\n      membershipPort: %s\n      bindOnLocalHost: true\n' "$1" "$2" "$3"
}

# Ports: frontend on $PORT (HTTP API on PORT+10); history PORT+1, matching PORT+2, worker PORT+6; membership PORT-300+n.
{
  cat <<EOF
log:
  stdout: true
  level: $LOG_LEVEL

persistence:
  defaultStore: postgres-default
  visibilityStore: postgres-visibility
  numHistoryShards: $SHARDS
  datastores:
EOF
  datastore postgres-default "$DB" 20
  datastore postgres-visibility "$VIS_DB" 10
  cat <<EOF

global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: "127.0.0.1"

services:
EOF
  service frontend "$PORT" $((PORT - 300))
  echo "      httpPort: $((PORT + 10))"
  service history $((PORT + 1)) $((PORT - 299))
  service matching $((PORT + 2)) $((PORT - 298))
  service worker $((PORT + 6)) $((PORT - 294))
  cat <<EOF

clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: "active"
  currentClusterName: "active"
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: "frontend"
      rpcAddress: "127.0.0.1:$PORT"

dcRedirectionPolicy:
  policy: "noop"

dynamicConfigClient:
  filepath: "$RUN_DIR/dynamicconfig.yaml"
  pollInterval: "10s"
EOF
} > "$RUN_DIR/config/development.yaml"

echo "temporal-postgres: server $VERSION on 127.0.0.1:$PORT, $SHARDS shards, postgres $PG_HOST:$PG_PORT/{$DB,$VIS_DB}, config $RUN_DIR/config" >&2
exec "$SERVER" --root "$RUN_DIR" --config config --env development --allow-no-auth start

#!/bin/sh
# docker-compose.yml's `temporal-schema` (temporalio/admin-tools): creates Temporal's two Postgres databases if
# missing and brings both schemas to the image's version, as Temporal's own samples-server compose does in place of
# the deprecated auto-setup image. Idempotent: a second run only applies what is new.
set -eu
: "${POSTGRES_SEEDS:?}" "${POSTGRES_USER:?}" "${POSTGRES_PWD:?}"
SCHEMA=/etc/temporal/schema/postgresql/v12
for pair in temporal:temporal temporal_visibility:visibility; do
  db="${pair%%:*}"; kind="${pair#*:}"
  temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "${DB_PORT:-5432}" -u "$POSTGRES_USER" --pw "$POSTGRES_PWD" --db "$db" create-database --defaultdb postgres
  temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "${DB_PORT:-5432}" -u "$POSTGRES_USER" --pw "$POSTGRES_PWD" --db "$db" setup-schema -v 0.0
  temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "${DB_PORT:-5432}" -u "$POSTGRES_USER" --pw "$POSTGRES_PWD" --db "$db" update-schema -d "$SCHEMA/$kind/versioned"
done

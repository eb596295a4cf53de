#!/bin/sh
# Run once by the postgres image on its first start (docker-entrypoint-initdb.d): the login the
# services connect with, a member of vigil_service — no superuser, owns nothing, no BYPASSRLS
# (docs/operations.md, "Database roles"). The migrate service, as the superuser, creates the tables
# and gives vigil_service its privileges.
set -eu
: "${VIGIL_DB_USER:?set VIGIL_DB_USER, the services' database login}"
: "${VIGIL_DB_PASSWORD:?set VIGIL_DB_PASSWORD, the services' database password}"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "${POSTGRES_DB:-$POSTGRES_USER}" \
  -v login="$VIGIL_DB_USER" -v password="$VIGIL_DB_PASSWORD" <<'SQL'
SELECT 'CREATE ROLE vigil_service NOLOGIN NOINHERIT'
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'vigil_service') \gexec
CREATE ROLE :"login" LOGIN PASSWORD :'password' IN ROLE vigil_service;
SQL

#!/bin/sh
# Run once by the postgres image on its first start (docker-entrypoint-initdb.d): the login the
# services connect with, a member of vigil_service — no superuser, owns nothing, no BYPASSRLS
# (docs/operations.md, "Database roles"). The migrate service, as the superuser, creates the tables
# and gives vigil_service its privileges.
#
# The password comes from VIGIL_DB_PASSWORD, or else from the file VIGIL_DB_PASSWORD_FILE names (as
# the image's own POSTGRES_PASSWORD and POSTGRES_PASSWORD_FILE).
set -eu
: "${VIGIL_DB_USER:?set VIGIL_DB_USER, the services' database login}"
if [ -z "${VIGIL_DB_PASSWORD:-}" ] && [ -n "${VIGIL_DB_PASSWORD_FILE:-}" ]; then
  VIGIL_DB_PASSWORD="$(cat "$VIGIL_DB_PASSWORD_FILE")"
fi
: "${VIGIL_DB_PASSWORD:?set VIGIL_DB_PASSWORD or VIGIL_DB_PASSWORD_FILE, the services' database password}"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "${POSTGRES_DB:-$POSTGRES_USER}" \
  -v login="$VIGIL_DB_USER" -v password="$VIGIL_DB_PASSWORD" <<'SQL'
SELECT 'CREATE ROLE vigil_service NOLOGIN NOINHERIT'
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'vigil_service') \gexec
CREATE ROLE :"login" LOGIN PASSWORD :'password' IN ROLE vigil_service;
SQL

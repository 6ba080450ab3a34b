#!/bin/sh
# Applies pending Prisma migrations (libs/db CLI). Arguments: service names; none = every service in
# this image that has prisma/migrations. Needs DATABASE_URL; DATABASE_SCHEMA only with one service.
set -eu
cd /app
if [ "$#" -eq 0 ]; then
  for dir in services/*/prisma/migrations; do
    [ -d "$dir" ] || continue
    service=${dir#services/}
    set -- "$@" "${service%%/*}"
  done
fi
if [ "$#" -eq 0 ]; then
  echo "migrate: no service with prisma/migrations in this image" >&2
  exit 1
fi
exec node libs/db/dist/cli.js migrate deploy "$@"

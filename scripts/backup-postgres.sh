#!/usr/bin/env bash
# Backs up or restores a PostgreSQL platform. The log's tables are ordinary tables there, so
# one `pg_dump` is one consistent snapshot of the data and the log together (it runs in one
# repeatable-read transaction while the platform serves). Restoring refuses a database that
# exists, restores into a new one, and runs `shuqiao audit verify` on it; the audit key file
# is kept outside the database and must be backed up on its own.
#
#   bash scripts/backup-postgres.sh backup  postgres://postgres@127.0.0.1/shuqiao  shuqiao.dump
#   bash scripts/backup-postgres.sh restore shuqiao.dump  postgres://postgres@127.0.0.1/shuqiao_restored  [PUBLIC_KEY]
#
# SHUQIAO (default: shuqiao on PATH) names the binary for the verification.
set -euo pipefail
SHUQIAO=${SHUQIAO:-shuqiao}
case "${1:-}" in
  backup)
    [ $# -eq 3 ] || { echo "usage: $0 backup DATABASE_URL FILE" >&2; exit 2; }
    [ ! -e "$3" ] || { echo "$3 exists: name a new file" >&2; exit 2; }
    pg_dump --format=custom --no-owner --file="$3" "$2"
    echo "backed up $2 to $3"
    ;;
  restore)
    [ $# -ge 3 ] || { echo "usage: $0 restore FILE DATABASE_URL [PUBLIC_KEY]" >&2; exit 2; }
    url=$3
    name=${url##*/}; name=${name%%\?*}
    server=${url%/*}/postgres
    if [ "$(psql "$server" -tAc "SELECT 1 FROM pg_database WHERE datname = '$name'")" = 1 ]; then
      echo "database $name exists: a restore never overwrites one; name a new one" >&2; exit 2
    fi
    psql "$server" -qc "CREATE DATABASE \"$name\""
    pg_restore --no-owner --exit-on-error --dbname="$url" "$2"
    key_args=()
    [ -n "${4:-}" ] && key_args=(--public-key "$4")
    if ! "$SHUQIAO" --database "$url" audit verify "${key_args[@]}"; then
      echo "the restored log does not verify: dropping $name" >&2
      psql "$server" -qc "DROP DATABASE \"$name\""
      exit 1
    fi
    echo "restored $2 into $url"
    ;;
  *) echo "usage: $0 backup|restore …" >&2; exit 2 ;;
esac

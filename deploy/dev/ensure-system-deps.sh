#!/usr/bin/env bash
# System packages the test suite needs: redis-server (tests start their own
# instances on free ports), Debian's Chromium for the browser tests and GNU gettext's
# msgfmt (tests/test_translations.py compiles the English catalogue to compare); for
# `make test-slow`: PgBouncer (tests/test_pgbouncer.py), PostgreSQL's server binaries (the
# reliability tests run their own clusters, never the machine's server) and pgBackRest (PITR).
set -euo pipefail
missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
command -v msgfmt >/dev/null 2>&1 || missing+=(gettext)
[ -x /usr/sbin/pgbouncer ] || command -v pgbouncer >/dev/null 2>&1 || missing+=(pgbouncer)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
command -v pg_dump >/dev/null 2>&1 || missing+=(postgresql-client)
command -v pgbackrest >/dev/null 2>&1 || missing+=(pgbackrest)
# A Unicode font for the decision PDFs (casework.pdf falls back to Latin-1 Helvetica without it).
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing system packages: ${missing[*]}" >&2
  if [ "$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

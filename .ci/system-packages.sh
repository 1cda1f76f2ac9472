#!/usr/bin/env bash
# Debian packages Dumas needs: Dovecot (the test rig and demo), PostgreSQL (the tests' throw-away
# server), poppler-utils (pdftotext in tests), Pango, HarfBuzz-Subset and DejaVu fonts (WeasyPrint:
# without libharfbuzz-subset0 it subsets fonts with fontTools, which stamps the wall clock into
# every embedded font, so the same document rendered a second later differs), python3-venv,
# faketime (`make test-dates` runs tests with the wall clock moved).
# Installed when missing and we are root; otherwise we say what is missing. Also the `dumas`
# system user: the service runs as it, and the test rig runs Dovecot's mail processes and its
# PostgreSQL cluster as it (both refuse uid 0).
set -euo pipefail

packages=(dovecot-imapd dovecot-lmtpd postgresql poppler-utils fonts-dejavu-core libpango-1.0-0
          libpangoft2-1.0-0 libharfbuzz-subset0 python3-venv openssl faketime)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing Debian packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
  echo "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # A system-wide Dovecot the package may start is not used: the rig runs its own on free ports.
  # PostgreSQL likewise (tests/rig/postgres.py runs its own cluster as the `dumas` user): the
  # package is told not to create, and so not to start, its "main" cluster on port 5432.
  if [[ " ${missing[*]} " == *" postgresql "* ]]; then
    mkdir -p /etc/postgresql-common/createcluster.d
    printf '%s\n' '# Dumas: the tests start their own throw-away cluster' \
      'create_main_cluster = false' > /etc/postgresql-common/createcluster.d/dumas.conf
  fi
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "$(id -u)" -eq 0 ] && ! id dumas >/dev/null 2>&1; then
  useradd --system --no-create-home --shell /usr/sbin/nologin dumas
fi

#!/usr/bin/env bash
# install-wordpress-deps.sh [--check]
#
# Installs, from Debian's packages, what the WordPress end-to-end test
# (integrations/wordpress) needs: wordpress, php-cli, php-mysql and
# mariadb-server. Run it as root; CI does (.ci/run). The test runs its own
# throwaway MariaDB and PHP's built-in server, so no service is wanted: the
# packages' scripts are kept from starting apache2 and mariadb while they
# install.
#
# --check installs nothing: it says whether the test will run or be skipped,
# and what is missing, and always exits 0 (make test prints it).
set -euo pipefail

wordpress_dir=${COMMENTD_TEST_WORDPRESS_DIR:-/usr/share/wordpress}

missing() {
  local m=()
  if ! command -v php >/dev/null 2>&1; then
    m+=(php-cli)
  elif ! php -r 'exit(extension_loaded("mysqli") ? 0 : 1);' 2>/dev/null; then
    m+=(php-mysql)
  fi
  if ! command -v mariadbd >/dev/null 2>&1 && [ ! -x /usr/sbin/mariadbd ] ||
    ! command -v mariadb-install-db >/dev/null 2>&1; then
    m+=(mariadb-server)
  fi
  [ -f "$wordpress_dir/wp-includes/version.php" ] || m+=(wordpress)
  echo "${m[*]}"
}

if [ "${1:-}" = "--check" ]; then
  m=$(missing)
  if [ -n "$m" ]; then
    if [ "${COMMENTD_TEST_WORDPRESS:-}" = require ]; then
      echo "WordPress end-to-end test: FAILED for want of Debian's packages $m (COMMENTD_TEST_WORDPRESS=require)" >&2
    else
      echo "WordPress end-to-end test: SKIPPED — Debian's packages $m are not installed; as root, scripts/install-wordpress-deps.sh installs them" >&2
    fi
  else
    echo "WordPress end-to-end test: its packages are installed (WordPress in $wordpress_dir, PHP $(php -r 'echo PHP_VERSION;'), $(mariadbd --version 2>/dev/null || /usr/sbin/mariadbd --version))"
  fi
  exit 0
fi

m=$(missing)
if [ -z "$m" ]; then
  echo "install-wordpress-deps: wordpress, php-cli, php-mysql and mariadb-server are installed"
  exit 0
fi
[ "$(id -u)" = 0 ] || { echo "install-wordpress-deps: run as root to install $m" >&2; exit 1; }
command -v apt-get >/dev/null || { echo "install-wordpress-deps: needs apt-get (Debian or Ubuntu) to install $m" >&2; exit 1; }

# invoke-rc.d and deb-systemd-invoke ask policy-rc.d before starting a
# service; 101 means "no". An existing policy is left as it is.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  trap 'rm -f "$policy"' EXIT
fi

echo "install-wordpress-deps: installing wordpress php-cli php-mysql mariadb-server (services are not started)"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  wordpress php-cli php-mysql mariadb-server >/dev/null
m=$(missing)
[ -z "$m" ] || { echo "install-wordpress-deps: still missing after apt-get: $m" >&2; exit 1; }
echo "install-wordpress-deps: done"

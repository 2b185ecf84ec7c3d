#!/usr/bin/env bash
# The Debian packages the test suites need, installed only when missing: with apt-get as root, or through sudo when
# not root and sudo is there. Otherwise (no sudo, sudo refused, no apt-get: macOS) it says exactly what to install and
# exits 0: only the suites that need a missing package skip, each naming what it lacks.
#   install-system-deps.sh [package …]   the packages to check (default chromium; known: chromium, clickhouse-server)
set -euo pipefail
missing=()
skipping=() # which suites skip without each missing package
elsewhere=() # where to get each off Debian
for package in "${@:-chromium}"; do
  case "$package" in
  chromium) # the browser suites (SDK in Chromium, Sunbird SDK)
    command -v chromium >/dev/null 2>&1 || {
      missing+=(chromium) skipping+=('the browser suites') elsewhere+=('a Chromium at /usr/bin/chromium')
    } ;;
  clickhouse-server) # the ClickHouse store suites (scripts/clickhouse.sh starts it; the binary is in /usr/sbin)
    command -v clickhouse-server >/dev/null 2>&1 || {
      missing+=(clickhouse-server) skipping+=('the ClickHouse suites') elsewhere+=('clickhouse-server on the PATH')
    } ;;
  *)
    echo "install-system-deps: unknown package $package (known: chromium, clickhouse-server)" >&2
    exit 64
    ;;
  esac
done
[ ${#missing[@]} -eq 0 ] && exit 0

and() { local IFS='|'; local joined="$*"; echo "${joined//|/ and }"; }
skip() {
  echo "install-system-deps: $1; install ${missing[*]} yourself (Debian: sudo apt-get install ${missing[*]};" \
    "elsewhere $(and "${elsewhere[@]}")). Until then $(and "${skipping[@]}") skip." >&2
  exit 0
}
if ! command -v apt-get >/dev/null 2>&1; then skip 'no apt-get here'; fi
if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  # -n: never wait for a password in CI; at a terminal, sudo may ask.
  if [ -t 0 ]; then as_root=(sudo); else as_root=(sudo -n); fi
else
  skip 'not root and no sudo'
fi
echo "installing: ${missing[*]}${as_root[*]:+ (with ${as_root[*]})}"
export DEBIAN_FRONTEND=noninteractive
if ! "${as_root[@]}" apt-get update -qq || ! "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
  skip "apt-get${as_root[*]:+ through ${as_root[*]}} failed"
fi

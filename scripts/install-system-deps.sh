#!/usr/bin/env bash
# The Debian packages the test suites need, installed only when missing: with apt-get as root, or through sudo when
# not root and sudo is there. Otherwise (no sudo, sudo refused, no apt-get: macOS) it says exactly what to install and
# exits 0: only the suites that need a missing package skip, each naming what it lacks.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium) # the browser suites (SDK in Chromium, Sunbird SDK)
[ ${#missing[@]} -eq 0 ] && exit 0

skip() {
  echo "install-system-deps: $1; install ${missing[*]} yourself (Debian: sudo apt-get install ${missing[*]};" \
    "elsewhere a Chromium at /usr/bin/chromium). Until then the browser suites skip." >&2
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

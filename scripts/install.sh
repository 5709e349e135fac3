#!/usr/bin/env bash
# Install everything Visio needs on Debian 12 (run as root): system packages,
# then the Python package and its dependencies in .venv inside the checkout.
#   scripts/install.sh          runtime
#   scripts/install.sh --test   runtime + test and lint tools (+ speaker diarization)
#   scripts/install.sh --diarization   runtime + speaker diarization (torch, ~1.4 GB)
set -euo pipefail
cd "$(dirname "$0")/.."
extras="postgres"
[ "${1:-}" = "--test" ] && extras="postgres,test"
[ "${1:-}" = "--diarization" ] && extras="postgres,diarization"

APT_PACKAGES=(janus janus-tools coturn ffmpeg espeak-ng sox iproute2 python3-venv)
# The browser journeys drive Debian's Chromium (never a downloaded browser).
[ "${1:-}" = "--test" ] && APT_PACKAGES+=(chromium chromium-driver fonts-noto-color-emoji)
# The transcript tests start their own Redis for the Celery queue (`visio worker`);
# a deployment with workers runs Redis wherever it likes.
[ "${1:-}" = "--test" ] && APT_PACKAGES+=(redis-server)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "install: missing Debian packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
# The Debian package may start a system Janus/coturn: Visio runs its own.
for svc in janus coturn; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then
    echo "install: note: a system $svc service is running; Visio supervises its own Janus on other ports" >&2
  fi
done

PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[${extras}]"
# Speaker diarization: the extra brings resemblyzer's real dependencies (torch,
# and webrtcvad-wheels in place of webrtcvad, whose module imports the removed
# pkg_resources); resemblyzer itself comes without its declared ones.
if [ "$extras" != "postgres" ]; then
  .venv/bin/python -m pip install -q --no-deps "resemblyzer==0.1.4"
fi

# The web client: built into src/visio/static, which visio serve serves.
if ! command -v npm >/dev/null 2>&1; then
  echo "install: npm is missing (Node.js 20.19+ and npm are needed to build the web client)" >&2
  exit 1
fi
npm --prefix frontend ci --no-audit --no-fund --loglevel=error
npm --prefix frontend run build --silent
if [ "${1:-}" = "--test" ] && [ -f tests/e2e/package.json ]; then
  npm --prefix tests/e2e ci --no-audit --no-fund --loglevel=error
fi
echo "install: done (.venv/bin/visio)"

#!/usr/bin/env bash
# Installs Debian's Chromium and its driver for the experiment browser's tests (BrowseChromiumTest).
# The tests use exactly these binaries (/usr/bin/chromium, /usr/bin/chromedriver), so Selenium never
# downloads a browser or a driver. Without them the tests skip with a message; a failure here is
# reported, not fatal, so a mirror outage does not fail the build.
set -uo pipefail
if [[ -x /usr/bin/chromium && -x /usr/bin/chromedriver ]]; then
    exit 0
fi
if [[ $(id -u) -ne 0 ]] && ! command -v sudo >/dev/null 2>&1; then
    echo "install-chromium: not root and no sudo; the browser tests will skip" >&2
    exit 0
fi
run() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }
echo "install-chromium: installing Debian's chromium and chromium-driver" >&2
if (run apt-get update -qq && run env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        chromium chromium-driver) >/tmp/archlab-chromium-apt.log 2>&1; then
    /usr/bin/chromium --version >&2 || true
else
    echo "install-chromium: could not install chromium (see /tmp/archlab-chromium-apt.log); the browser tests will skip" >&2
fi
exit 0

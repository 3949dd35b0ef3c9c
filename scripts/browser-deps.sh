#!/usr/bin/env bash
# Install Debian's Chromium and ChromeDriver for the console's browser tests.
# Never downloads a browser build of its own; where apt is not usable the browser
# tests skip with a clear reason.
set -u
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "browser-deps: not root or no apt-get; browser tests will be skipped"
  exit 0
fi
echo "browser-deps: installing chromium and chromium-driver from Debian"
(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
  chromium chromium-driver >/dev/null) \
  || echo "browser-deps: install failed; browser tests will be skipped"
exit 0

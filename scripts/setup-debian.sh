#!/usr/bin/env bash
# Installs the Debian packages the test suite needs: the real services the tests start on free ports
# (mosquitto, influxdb 1.x), Chromium for the dashboard browser tests, docker-compose to validate the
# compose file, haproxy and postgresql (started by the multi-instance tests on free ports in temp dirs), poppler-utils (pdftotext, pdftoppm) to read back the PDF reports, and the toolchain `npm ci` needs
# to compile better-sqlite3 when no prebuilt binary can be fetched (g++, make, python3 for node-gyp). The tests
# never use the system's own instances of these services.
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends mosquitto influxdb chromium fonts-wqy-microhei docker-compose haproxy postgresql g++ make python3 poppler-utils >/dev/null
echo "setup-debian: $(g++ --version | head -1), $(make --version | head -1), $(python3 --version),"
echo "setup-debian: mosquitto $(mosquitto -h 2>/dev/null | head -1 | awk '{print $3}'), $(influxd version 2>/dev/null), $(chromium --version 2>/dev/null)"

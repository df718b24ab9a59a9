#!/bin/sh
# Installs Debian's Chromium for the status-page test (test tools that download their own browser fail on
# these machines). Does nothing when /usr/bin/chromium is there.
set -e
if [ -x /usr/bin/chromium ]; then exit 0; fi
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
$SUDO apt-get update
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y chromium

#!/usr/bin/env bash
# Installs the Debian packages the tests and the benchmark need, when they are missing:
#   chromium           the web board's browser tests (Playwright drives /usr/bin/chromium; it never
#                      downloads a browser of its own),
#   redis-server       the benchmark's Redis baseline,
#   fonts-dejavu-core  the benchmark's plots,
#   sip-tester         sipp, the SIP edge tests' scenario-driven client and server,
#   baresip            the SIP edge tests' softphone,
#   ejabberd           the XMPP bridge tests' server (each test run starts a private instance),
#   python3-slixmpp    the XMPP bridge tests' stand-in for an Asterisk server (run by /usr/bin/python3).
# Needs root or sudo and Debian's package mirrors. Does nothing when everything is there.
set -euo pipefail

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
command -v sipp >/dev/null 2>&1 || need+=(sip-tester)
command -v baresip >/dev/null 2>&1 || need+=(baresip)
command -v ejabberdctl >/dev/null 2>&1 || need+=(ejabberd)
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import slixmpp' >/dev/null 2>&1 || need+=(python3-slixmpp)
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
echo "installing: ${need[*]}"
if [ "$(id -u)" -eq 0 ]; then apt_get="apt-get"; else apt_get="sudo apt-get"; fi
$apt_get update -qq
DEBIAN_FRONTEND=noninteractive $apt_get install -y -qq --no-install-recommends "${need[@]}"

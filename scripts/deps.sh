#!/bin/sh
# deps.sh: install the Debian packages fairlist needs.
#   scripts/deps.sh          build and run
#   scripts/deps.sh test     also everything the tests and fuzzing use
#   scripts/deps.sh bench    also the benchmark peers (rbldnsd, dnsperf)
set -eu
pkgs="build-essential cmake pkg-config libevent-dev libc-ares-dev
  libsqlite3-dev libssl-dev libjansson-dev libsystemd-dev libpsl-dev libidn2-dev python3
  publicsuffix"
case "${1:-}" in
test)  pkgs="$pkgs libcmocka-dev clang libclang-rt-14-dev bind9-dnsutils
  bind9-utils knot-dnsutils knot sqlite3 jq python3 procps util-linux iproute2 dpkg-dev debhelper lintian
  systemd man-db git rbldnsd python3-spf
  python3-dkim opendkim opendkim-tools openssl postfix swaks curl chromium
  chromium-driver python3-selenium nsd" ;;
bench) pkgs="$pkgs bind9-dnsutils rbldnsd dnsperf procps python3 python3-spf
  libspf2-dev python3-yaml python3-dkim libopendkim-dev opendkim-tools
  openssl valgrind postfix swaks policyd-weight postfwd knot nsd wrk
  nginx-light" ;;
esac
# test_milter_sendmail.sh: what sendmail-bin needs beside the libraries
# already here (the package itself is only downloaded, below).
[ "${1:-}" != test ] || pkgs="$pkgs m4 liblockfile1 libwrap0"
[ "${1:-}" != bench ] || pkgs="$pkgs libmilter-dev"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
	    missing="$missing $p"
done
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
# Sendmail conflicts with postfix as a package: test_milter_sendmail.sh
# unpacks these two with dpkg-deb -x into its own folder instead.
if [ "${1:-}" = test ]; then
	debs=${FAIRLIST_DEBS:-/var/cache/fairlist-test/debs}
	if ! ls "$debs"/sendmail-bin_*.deb >/dev/null 2>&1 ||
	    ! ls "$debs"/sendmail-cf_*.deb >/dev/null 2>&1; then
		echo "deps.sh: downloading sendmail-bin sendmail-cf to $debs" >&2
		$SUDO mkdir -p "$debs"
		(cd "$debs" && $SUDO apt-get download -qq sendmail-bin \
		    sendmail-cf 2>/dev/null) ||
		    { $SUDO apt-get update -qq && (cd "$debs" &&
		    $SUDO apt-get download -qq sendmail-bin sendmail-cf); }
	fi
fi
[ -z "$missing" ] && exit 0
echo "deps.sh: installing$missing" >&2
$SUDO apt-get update -qq
# postfix: install without a system instance; tests start private ones.
echo "postfix postfix/main_mailer_type select No configuration" |
    $SUDO debconf-set-selections
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null

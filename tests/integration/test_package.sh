#!/usr/bin/env bash
# test_package.sh: the Debian package. Builds it from a copy of the tree
# (dpkg-buildpackage -us -uc -b, nocheck: the tests run here, not twice),
# then checks: dpkg -c lists the binary, the unit, the conffile, the
# sysusers file and the three man pages; lintian reports no error;
# systemd-analyze verify passes on the unit (pointed at the extracted
# binary); man -l renders each page without a warning; extracted into a
# scratch root, the binary prints the changelog's version and accepts the
# shipped configuration, and systemd-sysusers makes the fairlist user there.
. "$FAIRLIST_SRC/tests/lib/common.sh"
need dpkg-buildpackage dpkg-dev
need dh debhelper
need lintian lintian
need systemd-analyze systemd
need systemd-sysusers systemd
need man man-db
need git git

src=$T/src/fairlist
mkdir -p "$src"
# The tracked files and new ones not ignored: the tree as it would be committed.
git -C "$FAIRLIST_SRC" ls-files -z --cached --others --exclude-standard |
    (cd "$FAIRLIST_SRC" && xargs -0 cp --parents -t "$src" 2>/dev/null) ||
    die "cannot copy the tree"
rm -rf "$src/build" "$src"/build-*
(cd "$src" && DEB_BUILD_OPTIONS="nocheck parallel=2" \
    dpkg-buildpackage -us -uc -b > "$T/build.log" 2>&1) ||
    { tail -30 "$T/build.log"; die "dpkg-buildpackage failed"; }
version=$(cd "$src" && dpkg-parsechangelog -S Version)
deb=$T/src/fairlist_${version}_$(dpkg --print-architecture).deb
[ -f "$deb" ] || die "no $deb"
ok "dpkg-buildpackage built $(basename "$deb")"

dpkg -c "$deb" | awk '{ print $6 }' > "$T/contents"
for f in ./usr/bin/fairlist ./lib/systemd/system/fairlist.service \
    ./etc/fairlist/fairlist.conf ./usr/lib/sysusers.d/fairlist.conf \
    ./usr/share/man/man1/fairlist.1.gz ./usr/share/man/man5/fairlist.conf.5.gz \
    ./usr/share/man/man8/fairlist-policy.8.gz; do
	check "package holds $f" "$(grep -cx "$f" "$T/contents")" 1
done
dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles > "$T/conffiles"
check "the configuration is a conffile" "$(cat "$T/conffiles")" /etc/fairlist/fairlist.conf

rc=0
lintian --fail-on error "$T/src/fairlist_${version}_"*.changes > "$T/lintian" 2>&1 || rc=$?
check "lintian: no error" "$rc" 0
check "lintian: no error line" "$(grep -c '^E:' "$T/lintian")" 0
grep -v "^running with root" "$T/lintian" | sed "s/^/lintian: /"

root=$T/root
dpkg-deb -x "$deb" "$root"
sed "s|/usr/bin/fairlist|$root/usr/bin/fairlist|" \
    "$root/lib/systemd/system/fairlist.service" > "$T/fairlist.service"
rc=0
MANPATH=$root/usr/share/man systemd-analyze verify "$T/fairlist.service" \
    > "$T/verify" 2>&1 || rc=$?
check "systemd-analyze verify passes" "$rc" 0
[ -s "$T/verify" ] && cat "$T/verify"
# The same check fails for a unit whose binary is missing.
sed "s|/usr/bin/fairlist|$root/usr/bin/missing|" \
    "$root/lib/systemd/system/fairlist.service" > "$T/broken.service"
rc=0; MANPATH=$root/usr/share/man systemd-analyze verify "$T/broken.service" \
    > /dev/null 2>&1 || rc=$?
check "systemd-analyze verify fails for a missing binary" "$([ $rc -ne 0 ] && echo failed)" failed
for k in Type=notify 'ExecReload=/bin/kill -HUP $MAINPID' User=fairlist \
    ProtectSystem=strict PrivateTmp=yes NoNewPrivileges=yes \
    AmbientCapabilities=CAP_NET_BIND_SERVICE CapabilityBoundingSet=CAP_NET_BIND_SERVICE \
    ReadWritePaths=/var/lib/fairlist; do
	check "unit sets $k" "$(grep -cxF "$k" "$T/fairlist.service")" 1
done

for p in man1/fairlist.1 man5/fairlist.conf.5 man8/fairlist-policy.8; do
	MANWIDTH=80 man --warnings -l "$root/usr/share/man/$p.gz" \
	    > "$T/page" 2> "$T/page.err"
	check "man -l $p renders without warnings" "$(cat "$T/page.err")" ""
	name=$(basename "$p" | sed 's/\.[0-9]$//')
	check "man -l $p has its NAME" "$(grep -cE "^ *$name +- " "$T/page")" 1
done

check "installed binary's version" "$("$root/usr/bin/fairlist" --version)" \
    "fairlist $version"
# The shipped configuration passes the strict check (every command runs it).
rc=0
"$root/usr/bin/fairlist" --config "$root/etc/fairlist/fairlist.conf" \
    --db "$T/s.db" add 192.0.2.1 --reason r --evidence e > /dev/null \
    2> "$T/conf.err" || rc=$?
check "the shipped configuration is accepted" "$rc $(cat "$T/conf.err")" "0 "
rc=0
"$root/usr/bin/fairlist" --config "$root/etc/fairlist/fairlist.conf" status \
    2> "$T/status.err" || rc=$?
check "status looks for the shipped socket" "$(cat "$T/status.err")" \
    "fairlist: status: no daemon answers on /run/fairlist/control (is 'fairlist serve' running with this --db or control { socket }?)"
systemd-sysusers --root="$root" > /dev/null 2>&1
check "systemd-sysusers makes the fairlist user" \
    "$(awk -F: '$1 == "fairlist" { print $6, $7 }' "$root/etc/passwd")" \
    "/var/lib/fairlist /usr/sbin/nologin"
finish

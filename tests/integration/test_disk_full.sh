#!/usr/bin/env bash
# test_disk_full.sh: issue 9, hostile peer 3. A store on a full disk (a
# tiny tmpfs): an import that runs out of room says "disk full" and names
# the store (not "cannot rollback - no transaction is active", not "disk
# I/O error"), stops at the first such line, and leaves the store as it
# was; an add on a full disk says the same; both work once there is room.
. "$FAIRLIST_SRC/tests/lib/common.sh"
[ "$(id -u)" -eq 0 ] || { echo "FAIL must run as root, to mount a tmpfs"; exit 1; }
command -v sqlite3 >/dev/null || { echo "FAIL sqlite3 missing (Debian package sqlite3)"; exit 1; }
mnt=$T/small
mkdir "$mnt"
# Room for a fresh store and its first checkpoint (schema 2: 20 pages of
# 16 KiB, a WAL of about 390 KB before the checkpoint), not for the import.
mount -t tmpfs -o size=1200k tmpfs "$mnt" || { echo "FAIL cannot mount a tmpfs on $mnt"; exit 1; }
trap 'umount "$mnt" 2>/dev/null || true; cleanup' EXIT
db=$mnt/fl.db
fl() { "$FAIRLIST" --db "$db" "$@"; }

fl add 192.0.2.1 --reason "before" --evidence e >/dev/null
# 200,000 addresses: far more than 1200 KiB of store.
python3 -c 'for i in range(200000): print("10.%d.%d.%d" % (i >> 16, (i >> 8) & 255, i & 255))' \
    >"$T/big.txt"
rc=0
fl import "$T/big.txt" --reason bulk >/dev/null 2>"$T/err" || rc=$?
check "import on a full disk: exit" "$rc" "1"
check "import: the cause, naming the store" \
    "$(grep -c "^fairlist: import: disk full: cannot write $db (" "$T/err")" "1"
check "import: no rollback error" "$(grep -c 'cannot rollback\|disk I/O error' "$T/err")" "0"
check "import: stops at the first full-disk line" "$(grep -c '^.*big.txt:[0-9]*: ' "$T/err")" "1"
check "import: nothing written" "$(sqlite3 "$db" 'SELECT count(*) FROM listing')" "1"
check "import: store intact" "$(sqlite3 "$db" 'PRAGMA integrity_check')" "ok"

# Fill what is left, then add.
dd if=/dev/zero of="$mnt/pad" bs=4k 2>/dev/null || true
rc=0
fl add 192.0.2.2 --reason r --evidence e >/dev/null 2>"$T/err" || rc=$?
check "add on a full disk: exit" "$rc" "1"
check "add: disk full, naming the store" \
    "$(grep -c "^fairlist: add: disk full: cannot write $db (" "$T/err")" "1"
check "add: one error line" "$(wc -l <"$T/err")" "1"
rm -f "$mnt/pad"
check "add once there is room" "$(fl add 192.0.2.2 --reason r --evidence e | cut -d' ' -f1-2)" \
    "listed 192.0.2.2"
check "store intact" "$(sqlite3 "$db" 'PRAGMA integrity_check')" "ok"
umount "$mnt"
finish

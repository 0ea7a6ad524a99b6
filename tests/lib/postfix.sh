# postfix.sh: a private Postfix instance for the integration tests
# (sourced, bash; after common.sh).
#
#   pf_start DIR SMTP_PORT POLICY [OPTS] start Postfix on 127.0.0.1:SMTP_PORT,
#                                        asking the policy server at RCPT;
#                                        POLICY is a port on 127.0.0.1 or
#                                        an endpoint (unix:private/NAME, a
#                                        socket under DIR/queue); OPTS are
#                                        more "name=value" attributes of
#                                        check_policy_service { }
#                                        (PF_MAIN_EXTRA and PF_MASTER_EXTRA,
#                                        when set, are appended to main.cf
#                                        and master.cf: a later main.cf
#                                        line wins over the one above)
#   pf_stop DIR                          stop it, and wait until it is gone
#   pf_log [DIR]                         print its maillog
#   pf_smtp SWAKS-ARGS...                one swaks session against the last
#                                        started instance: PF_REPLY is the
#                                        reply to RCPT TO, PF_RCPT_MS its time
#   pf_reply SWAKS-ARGS...               pf_smtp, and print PF_REPLY
#
# The instance lives entirely in DIR: DIR/etc (main.cf, master.cf),
# DIR/queue, DIR/data and DIR/maillog, and is started with
# `postfix -c DIR/etc` (the configuration folder apart from the queue, or
# `postfix check` warns about every queue folder), so the system's Postfix
# (Debian "No configuration": none) is never touched. smtpd listens on
# 127.0.0.1 only, but inet_protocols is all: with ipv4 Postfix refuses
# XCLIENT ADDR=IPV6:... . It cannot deliver anywhere: every transport is
# discard:, master.cf has no smtp, lmtp, local or pipe client at all, and
# DNS lookups are off. It needs root (Postfix's master runs as root and
# drops to mail_owner postfix).
#
# Every instance started is stopped at exit: pf_start puts pf_stop_all in
# front of the EXIT trap that is already set (common.sh's cleanup), so the
# instance is gone before the temp folder is removed.

PF_DIRS=""
PF_DIR=""
PF_SMTP_PORT=""

# The master's pid, or nothing.
pf__master_pid() {
	local f="$1/queue/pid/master.pid"
	[ -r "$f" ] || return 0
	tr -dc '0-9' <"$f"
}

pf__alive() {
	local pid
	pid=$(pf__master_pid "$1")
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

pf__chain_trap() {
	local prev=""
	# `trap -p EXIT` prints: trap -- 'COMMAND' EXIT
	if [ -n "$(trap -p EXIT)" ]; then
		eval "set -- $(trap -p EXIT)"
		prev="$3"
	fi
	case "$prev" in
	*pf_stop_all*) return 0 ;;
	esac
	trap "pf_stop_all; $prev" EXIT
	# A killed test (ctest's timeout, ^C) still runs the EXIT trap.
	[ -n "$(trap -p TERM)" ] || trap 'exit 143' TERM
	[ -n "$(trap -p INT)" ] || trap 'exit 130' INT
	[ -n "$(trap -p HUP)" ] || trap 'exit 129' HUP
}

pf_start() {
	local dir="$1" smtp_port="$2" policy="$3" opts="${4:-}" i
	case "$policy" in
	*:*)	;;
	*)	policy="inet:127.0.0.1:$policy" ;;
	esac
	[ -z "$opts" ] || opts=", $opts"
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	# Postfix's daemons run as postfix and open files under these folders;
	# the test's temp folder is root's 0700.
	chmod 0755 "$dir"
	chmod o+x "$(dirname "$dir")"
	mkdir -p "$dir/etc" "$dir/queue" "$dir/data"
	chown postfix "$dir/data"

	cat >"$dir/etc/main.cf" <<EOF
compatibility_level = 3.6
mail_owner = postfix
setgid_group = postdrop
queue_directory = $dir/queue
data_directory = $dir/data
myhostname = mx.example.test
mydomain = example.test
myorigin = \$myhostname
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = all
mynetworks = 127.0.0.0/8
relay_domains = example.test
smtpd_authorized_xclient_hosts = 127.0.0.0/8
smtpd_peername_lookup = no
default_transport = discard:
relay_transport = discard:
local_transport = discard:
virtual_transport = discard:
alias_maps =
alias_database =
local_recipient_maps =
biff = no
disable_dns_lookups = yes
smtp_dns_support_level = disabled
lmtp_dns_support_level = disabled
smtpd_banner = \$myhostname ESMTP
maillog_file = $dir/maillog
maillog_file_prefixes = $dir
smtpd_recipient_restrictions = reject_unauth_destination,
    check_policy_service { $policy, timeout=10s, default_action=DUNNO$opts }
EOF

	# No smtp, lmtp, local, virtual or pipe client: nothing can leave.
	cat >"$dir/etc/master.cf" <<EOF
127.0.0.1:$smtp_port inet n - n - - smtpd
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
	[ -z "${PF_MAIN_EXTRA:-}" ] || printf '%s\n' "$PF_MAIN_EXTRA" >>"$dir/etc/main.cf"
	[ -z "${PF_MASTER_EXTRA:-}" ] ||
	    printf '%s\n' "$PF_MASTER_EXTRA" >>"$dir/etc/master.cf"

	case " $PF_DIRS " in
	*" $dir "*) ;;
	*) PF_DIRS="$PF_DIRS $dir" ;;
	esac
	PF_DIR="$dir"
	PF_SMTP_PORT="$smtp_port"
	pf__chain_trap
	# `postfix check` creates the queue folders with their owners and modes.
	postfix -c "$dir/etc" check >"$dir/check.log" 2>&1 || {
		cat "$dir/check.log" >&2
		return 1
	}
	postfix -c "$dir/etc" start >"$dir/start.log" 2>&1 || {
		cat "$dir/start.log" >&2
		pf_log "$dir" >&2
		return 1
	}
	# Up to 20 s: a loaded CI machine (sanitizer builds running beside).
	for i in $(seq 1 400); do
		if pf__alive "$dir" && (exec 3<>"/dev/tcp/127.0.0.1/$smtp_port") 2>/dev/null
		then
			return 0
		fi
		sleep 0.05
	done
	echo "postfix did not start listening on 127.0.0.1:$smtp_port" >&2
	cat "$dir/start.log" >&2
	pf_log "$dir" >&2
	return 1
}

pf_stop() {
	local dir="$1" pid i
	pid=$(pf__master_pid "$dir")
	[ -n "$pid" ] || return 0
	postfix -c "$dir/etc" stop >/dev/null 2>&1 || true
	for i in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.05
	done
	postfix -c "$dir/etc" abort >/dev/null 2>&1 || true
	sleep 0.2
	kill -9 "$pid" 2>/dev/null || true
}

pf_stop_all() {
	local d
	for d in $PF_DIRS; do pf_stop "$d"; done
	PF_DIRS=""
}

pf_log() {
	local dir="${1:-}"
	[ -n "$dir" ] || dir=$PF_DIR
	cat "$dir/maillog" 2>/dev/null || true
}

# pf_smtp [SWAKS-ARGS...]: one SMTP session with swaks against the last
# started instance (from someone@sender.test unless --from is given). Sets
# PF_REPLY to the server's reply to RCPT TO (every line of it, without
# swaks' "<- " or "<** " marker; "" if there was none) and PF_RCPT_MS to
# how long that reply took (swaks --show-time-lapse). The transcript is in
# PF_TRANSCRIPT, and appended to DIR/swaks.log.
PF_REPLY=""
PF_RCPT_MS=""
PF_TRANSCRIPT=""
pf_smtp() {
	local dir=$PF_DIR out
	out="$dir/swaks.out"
	swaks --server "127.0.0.1:$PF_SMTP_PORT" --timeout 30 \
	    --show-time-lapse --from someone@sender.test "$@" >"$out" 2>&1 ||
	    true
	cat "$out" >>"$dir/swaks.log"
	PF_TRANSCRIPT=$(cat "$out")
	PF_REPLY=$(awk '/^ *-> RCPT TO/ { on = 1; next }
		on && /^ *-> / { exit }
		on && /^ *<(-|\*\*) / { sub(/^ *<(-|\*\*) +/, ""); print }' "$out")
	PF_RCPT_MS=$(awk '/^ *-> RCPT TO/ { on = 1; next }
		on && /^=== response in / {
			t = $4; sub(/s$/, "", t); printf "%d", t * 1000; exit }' "$out")
}

# pf_reply [SWAKS-ARGS...]: pf_smtp, then print PF_REPLY.
pf_reply() {
	pf_smtp "$@"
	printf '%s\n' "$PF_REPLY"
}

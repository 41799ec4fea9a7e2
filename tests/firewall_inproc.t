#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The in-process firewall path makes exactly the tables iptables-legacy-restore
# makes. A rules file within the subset oobd parses itself is committed
# through libiptc; any other is handed to iptables-legacy-restore. For a
# corpus of files, each applied by a reload of one oobd: the log shows the
# path each file took, and every table the file names is, entry for entry
# (xthash: the fingerprint oobd takes, counters left out) and as
# iptables-legacy-save shows it, what iptables-legacy-restore makes of the
# same file in a fresh network namespace. Files that restore itself rejects
# keep the rules in place, whichever path found the fault.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"
command -v iptables-legacy-restore >/dev/null || skip_all "needs iptables (legacy tools)"
command -v ip6tables-legacy-restore >/dev/null || skip_all "needs ip6tables (legacy tools)"
[ -x "$XTHASH" ] || bail "$XTHASH not built (make integration builds it)"
command -v jq >/dev/null || skip_all "needs jq"
OOBCTL=$BUILD/oobctl
# fw_status 4|6 FIELD: oobctl status --json's .firewall.ipvN.FIELD.
fw_status() { "$OOBCTL" status --json | jq -r ".firewall.ipv$1.$2"; }

main_ruleset_seed || bail "cannot give the sandbox's main namespace rules of its own"
main_ruleset > "$T/main.before"

# case_file NAME: a rules file for case NAME on stdout, from the body on
# stdin. A body that starts with a table ("*t") is a whole file; any other
# body goes into the filter table below, after its declarations.
case_file() {
	local name=$1 body
	body=$(cat)
	echo "# case: $name"
	case $body in
	'*'*) printf '%s\n' "$body" ;;
	*)
		printf '%s\n' '*filter' ':INPUT DROP [0:0]' ':FORWARD DROP [0:0]' ':OUTPUT ACCEPT [0:0]' \
			':ssh-in - [0:0]' "$body" COMMIT
		;;
	esac
}

# At start-up: ssh in, for the banner that tells oobd is up.
case_file start-up <<<'-A INPUT -p tcp --dport 22 -j ACCEPT' > "$T/fw4.rules"
cp "$T/fw4.rules" "$T/fw6.rules"
make_nic
make_keys
write_sshd_config
write_nic_config "$T/oobd.conf" "address = $OOB6/64" "[firewall]" "ipv4 = $T/fw4.rules" "ipv6 = $T/fw6.rules"

start_oobd "$T/oobd.conf"
check "oobd comes up" -- wait_until 20 ssh_banner "$OOB4"

# The log lines after MARK.
log_since() { tail -n +"$(($1 + 1))" "$T/oobd.log"; }
# Escape a fixed string for grep -E.
re_quote() { printf '%s' "$1" | sed 's/[][\.*^$+?(){}|/]/\\&/g'; }

tools_of() { # tools_of 4|6: set RESTORE and SAVE
	if [ "$1" = 6 ]; then RESTORE=ip6tables-legacy-restore SAVE=ip6tables-legacy-save
	else RESTORE=iptables-legacy-restore SAVE=iptables-legacy-save; fi
}

# reload_with 4|6 NAME: the case's file (in $T/case) becomes the family's
# rules file; SIGHUP, and wait for that reload to finish. Sets MARK (the log
# before it) and FWLOG (the family's firewall lines of that reload).
reload_with() {
	local fam=$1 name=$2
	cp "$T/case" "$T/fw$fam.rules"
	MARK=$(log_mark)
	kill -HUP "$OOBD_PID"
	wait_until 20 log_after "$MARK" 'reload done'
	ok $? "$name: reload done"
	FWLOG=$(log_since "$MARK" | grep -F "firewall IPv$fam: ")
}

# diag_lines TEXT: TEXT as diagnostics, indented.
diag_lines() { printf '%s\n' "$1" | sed 's/^/#   /'; }

# oob_tables 4|6: the tables that exist in the oob namespace, one a line.
oob_tables() {
	local f=/proc/net/ip_tables_names
	[ "$1" = 6 ] && f=/proc/net/ip6_tables_names
	ip netns exec oob cat "$f"
}

# reference 4|6 NAME: what iptables-legacy-restore makes of the case's file
# in a fresh network namespace (it lives as long as one shell), into
# $T/ref: "hash", xthash's lines for every table the file names (TABLES),
# and "save", those tables as iptables-legacy-save shows them. Fails when
# restore rejects the file. A case whose tables the oob namespace has
# already would pass the comparison after a reload that applied nothing:
# no case may be one.
reference() {
	local fam=$1 name=$2 present now t
	tools_of "$fam"
	TABLES=$(sed -n 's/^\*\([^[:space:]]*\).*/\1/p' "$T/case" | sort -u | paste -sd ' ')
	rm -rf "$T/ref" && mkdir "$T/ref"
	# shellcheck disable=SC2016,SC2086 # the script's own variables; $TABLES: one word per table
	unshare --net -- bash -c '
		restore=$1 save=$2 xthash=$3 fam=$4 file=$5 out=$6; shift 6
		"$restore" < "$file" 2> "$out/restore.err" || exit 1
		"$xthash" "$fam" "$@" > "$out/hash" || exit 1
		for t; do "$save" -t "$t" || exit 1; done > "$out/save"
	' sh "$RESTORE" "$SAVE" "$XTHASH" "$fam" "$T/case" "$T/ref" $TABLES
	if ! ok $? "$name: $RESTORE accepts the file in a fresh namespace"; then
		diag_lines "$(cat "$T/ref/restore.err" 2>/dev/null)"
		return 1
	fi
	# Reading a table instantiates it: only those that exist.
	present=$(oob_tables "$fam")
	now=$(for t in $TABLES; do
		printf '%s\n' "$present" | grep -qx -- "$t" && ip netns exec oob "$XTHASH" "$fam" "$t"
	done 2>&1)
	[ "$now" != "$(cat "$T/ref/hash")" ]
	ok $? "$name: the file changes the namespace's tables"
}

# compare 4|6 NAME: after the reload, every table the case's file names is
# in the oob namespace what restore made of it in the reference namespace.
# Sets HASH (xthash's lines for the oob namespace).
compare() {
	local fam=$1 name=$2 t
	# shellcheck disable=SC2086
	HASH=$(ip netns exec oob "$XTHASH" "$fam" $TABLES 2>&1)
	is "$HASH" "$(cat "$T/ref/hash")" "$name: the tables ($TABLES) are entry for entry restore's"
	for t in $TABLES; do
		oob_ruleset "$fam" "$t"
	done > "$T/ref/oob.save"
	ruleset_strip < "$T/ref/save" > "$T/ref/ref.save"
	diff -u --label restore --label oob "$T/ref/ref.save" "$T/ref/oob.save" > "$T/ref/save.diff"
	ok $? "$name: $SAVE shows the same rules"
	[ -s "$T/ref/save.diff" ] && diag_lines "$(cat "$T/ref/save.diff")"
	return 0
}

# inproc 4|6 NAME [FILE]: a file within the subset (FILE, else the body on
# stdin, see case_file) is committed in-process, one rule per -A line, and
# makes restore's tables.
inproc() {
	local fam=$1 name=$2 n want
	HASH=
	if [ -n "${3:-}" ]; then cp "$3" "$T/case"; else case_file "$name" > "$T/case"; fi
	reference "$fam" "$name" || return 0
	reload_with "$fam" "$name"
	n=$(grep -c '^-A' "$T/case")
	want="<6>firewall IPv$fam: $T/fw$fam.rules: $n rules committed in-process through libiptc"
	printf '%s\n' "$FWLOG" | grep -Fxq -- "$want"
	if ! ok $? "$name: committed in-process, rules: $n"; then
		diag "want: $want"
		diag "the reload's IPv$fam firewall lines:"
		diag_lines "$FWLOG"
	fi
	is "$(fw_status "$fam" applied_by) $(fw_status "$fam" handover)" "oobd null" \
		"$name: oobctl status says oobd committed it"
	compare "$fam" "$name"
}

# handover 4|6 NAME STRING: a file outside the subset, whose first rule
# line with STRING is the first one outside it, is handed to restore, the
# log naming that line; and it makes restore's tables.
handover() {
	local fam=$1 name=$2 what=$3 line tool=iptables-legacy-restore re
	[ "$fam" = 6 ] && tool=ip6tables-legacy-restore
	case_file "$name" > "$T/case"
	line=$(grep -nF -- "$what" "$T/case" | grep -v '^[0-9]*:#' | head -n 1 | cut -d: -f1)
	[ -n "$line" ] || bail "$name: no line with '$what' in the case"
	reference "$fam" "$name" || return 0
	reload_with "$fam" "$name"
	re="^<6>firewall IPv$fam: $(re_quote "$T/fw$fam.rules"):$line: .+; applying it with $tool\$"
	printf '%s\n' "$FWLOG" | grep -Eq -- "$re"
	if ! ok $? "$name: handed to $tool at line $line"; then
		diag "want: /$re/"
		diag "the reload's IPv$fam firewall lines:"
		diag_lines "$FWLOG"
	fi
	is "$(fw_status "$fam" applied_by)" "$tool" "$name: oobctl status names $tool"
	like "$(fw_status "$fam" handover)" "^line $line: " "$name: and the line oobd's reading stopped at"
	compare "$fam" "$name"
}

# rejected 4|6 NAME: a file iptables-legacy-restore rejects (by its parser,
# or the kernel at commit) keeps the ruleset in place, whichever path
# oobd took to find out.
rejected() {
	local fam=$1 name=$2 before hash_before tables re
	tools_of "$fam"
	case_file "$name" > "$T/case"
	# shellcheck disable=SC2016 # the script's own arguments
	! unshare --net -- sh -c '"$1" < "$2"' sh "$RESTORE" "$T/case" >/dev/null 2>&1
	ok $? "$name: $RESTORE rejects the file in a fresh namespace"
	before=$(oob_ruleset "$fam")
	tables=$(printf '%s\n' "$before" | sed -n 's/^\*//p' | paste -sd ' ')
	# shellcheck disable=SC2086
	hash_before=$(ip netns exec oob "$XTHASH" "$fam" $tables 2>&1)
	reload_with "$fam" "$name"
	re="^<3>firewall IPv$fam: $(re_quote "$T/fw$fam.rules"):[0-9]+: .+; keeping the ruleset in place"
	like "$FWLOG" "$re" "$name: the log names the file and line and says the rules stay"
	is "$(oob_ruleset "$fam")" "$before" "$name: the IPv$fam ruleset is unchanged"
	# shellcheck disable=SC2086
	is "$(ip netns exec oob "$XTHASH" "$fam" $tables 2>&1)" "$hash_before" \
		"$name: and so are its tables, entry for entry"
}

# --- In-process: every construct of the subset. ---
# Two spellings of one rule (--dport and -m tcp --dport, echo-request and
# 8, ipv6-icmp and icmpv6) make the same tables: they are kept apart, so
# that every case changes its family's tables (see reference()).

inproc 4 "shipped firewall-v4.rules" "$SRC_DIR/conf/firewall-v4.rules"
inproc 6 "shipped firewall-v6.rules" "$SRC_DIR/conf/firewall-v6.rules"

# Interfaces.
inproc 4 "-i lo" <<<'-A INPUT -i lo -j ACCEPT'
inproc 4 "-o lo" <<<'-A OUTPUT -o lo -j ACCEPT'
inproc 4 "-i eth+ (wildcard)" <<<'-A INPUT -i eth+ -j ACCEPT'
inproc 4 "-i oob0 -o lo" <<<'-A FORWARD -i oob0 -o lo -j ACCEPT'
inproc 6 "IPv6 -i lo" <<<'-A INPUT -i lo -j ACCEPT'

# Addresses.
inproc 4 "-s prefix" <<<'-A INPUT -s 203.0.113.0/24 -j ACCEPT'
inproc 4 "-d host" <<<'-A OUTPUT -d 198.51.100.7 -j ACCEPT'
inproc 4 "-s prefix with host bits set" <<<'-A INPUT -s 203.0.113.77/24 -j ACCEPT'
inproc 4 "-s 0.0.0.0/0" <<<'-A INPUT -s 0.0.0.0/0 -j ACCEPT'
inproc 4 "-s and -d" <<<'-A FORWARD -s 203.0.113.0/24 -d 198.51.100.0/24 -j ACCEPT'
inproc 6 "IPv6 -s prefix" <<<'-A INPUT -s 2001:db8::/32 -j ACCEPT'
inproc 6 "IPv6 -d host" <<<'-A OUTPUT -d 2001:db8::1 -j ACCEPT'
inproc 6 "IPv6 -s fe80::/10" <<<'-A INPUT -s fe80::/10 -j ACCEPT'
inproc 6 "IPv6 -s prefix with host bits set" <<<'-A INPUT -s 2001:db8::5/64 -j ACCEPT'

# Protocols.
inproc 4 "-p tcp" <<<'-A INPUT -p tcp -j ACCEPT'
inproc 4 "-p udp" <<<'-A INPUT -p udp -j ACCEPT'
inproc 4 "-p icmp" <<<'-A INPUT -p icmp -j ACCEPT'
inproc 4 "-p 47 (by number)" <<<'-A INPUT -p 47 -j ACCEPT'
inproc 4 "-p all" <<<'-A INPUT -p all -j ACCEPT'
inproc 4 "-p TCP (upper case)" <<<'-A INPUT -p TCP -j ACCEPT'
inproc 6 "IPv6 -p ipv6-icmp" <<<'-A INPUT -p ipv6-icmp -j ACCEPT'
inproc 6 "IPv6 -p tcp" <<<'-A INPUT -p tcp -j ACCEPT'
inproc 6 "IPv6 -p icmpv6" <<<'-A INPUT -p icmpv6 -j ACCEPT'
inproc 6 "IPv6 -p all" <<<'-A INPUT -p all -j ACCEPT'

# tcp and udp.
inproc 4 "--dport" <<<'-A INPUT -p tcp --dport 22 -j ACCEPT'
inproc 4 "--sport range and --dport" <<<'-A INPUT -p tcp --sport 1024:65535 --dport 80 -j ACCEPT'
inproc 4 "-m tcp --dport" <<<'-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT'
inproc 4 "udp --sport and --dport" <<<'-A INPUT -p udp --sport 67 --dport 68 -j ACCEPT'
inproc 4 "--destination-port" <<<'-A INPUT -p tcp --destination-port 443 -j ACCEPT'
inproc 4 "--source-port" <<<'-A INPUT -p tcp --source-port 5 -j ACCEPT'
inproc 6 "IPv6 udp --dport" <<<'-A OUTPUT -p udp --dport 53 -j ACCEPT'

# ICMP and ICMPv6.
inproc 4 "--icmp-type echo-request" <<<'-A INPUT -p icmp --icmp-type echo-request -j ACCEPT'
inproc 4 "--icmp-type 3/4" <<<'-A INPUT -p icmp --icmp-type 3/4 -j ACCEPT'
inproc 4 "--icmp-type 8" <<<'-A INPUT -p icmp --icmp-type 8 -j ACCEPT'
inproc 4 "--icmp-type any" <<<'-A INPUT -p icmp --icmp-type any -j ACCEPT'
inproc 4 "--icmp-type time-exceeded" <<<'-A INPUT -p icmp --icmp-type time-exceeded -j ACCEPT'
inproc 6 "--icmpv6-type neighbour-solicitation" <<<'-A INPUT -p ipv6-icmp --icmpv6-type neighbour-solicitation -j ACCEPT'
inproc 6 "--icmpv6-type neighbor-advertisement" <<<'-A INPUT -p ipv6-icmp --icmpv6-type neighbor-advertisement -j ACCEPT'
inproc 6 "--icmpv6-type 130" <<<'-A INPUT -p ipv6-icmp --icmpv6-type 130 -j ACCEPT'
inproc 6 "--icmpv6-type echo-request" <<<'-A INPUT -p ipv6-icmp --icmpv6-type echo-request -j ACCEPT'
inproc 6 "--icmpv6-type 1/4" <<<'-A INPUT -p ipv6-icmp --icmpv6-type 1/4 -j ACCEPT'

# conntrack.
inproc 4 "--ctstate ESTABLISHED,RELATED" <<<'-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT'
inproc 4 "--ctstate NEW" <<<'-A INPUT -m conntrack --ctstate NEW -j ACCEPT'
inproc 4 "--ctstate INVALID" <<<'-A INPUT -m conntrack --ctstate INVALID -j DROP'
inproc 4 "--ctstate UNTRACKED" <<<'-A INPUT -m conntrack --ctstate UNTRACKED -j ACCEPT'
inproc 6 "IPv6 --ctstate ESTABLISHED,RELATED" <<<'-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT'

# limit.
inproc 4 "--limit 20/second --limit-burst 50" <<<'-A INPUT -p icmp -m limit --limit 20/second --limit-burst 50 -j ACCEPT'
inproc 4 "--limit 3/min" <<<'-A INPUT -m limit --limit 3/min -j ACCEPT'
inproc 4 "-m limit (defaults)" <<<'-A INPUT -m limit -j ACCEPT'
inproc 4 "--limit 100/hour --limit-burst 10" <<<'-A INPUT -m limit --limit 100/hour --limit-burst 10 -j ACCEPT'

# Hop limit and TTL.
inproc 6 "--hl-eq 255" <<<'-A INPUT -p ipv6-icmp -m hl --hl-eq 255 -j ACCEPT'
inproc 6 "--hl-lt 64" <<<'-A INPUT -m hl --hl-lt 64 -j DROP'
inproc 4 "--ttl-eq 64" <<<'-A INPUT -m ttl --ttl-eq 64 -j ACCEPT'
inproc 4 "--ttl-gt 1" <<<'-A INPUT -m ttl --ttl-gt 1 -j ACCEPT'

# comment.
inproc 4 "--comment (one word)" <<<'-A INPUT -p tcp --dport 22 -m comment --comment ssh-from-admins -j ACCEPT'

# multiport.
inproc 4 "--dports list" <<<'-A INPUT -p tcp -m multiport --dports 22,80,443 -j ACCEPT'
inproc 4 "udp --sports list" <<<'-A INPUT -p udp -m multiport --sports 53,123 -j ACCEPT'
inproc 4 "--dports with a range" <<<'-A INPUT -p tcp -m multiport --dports 1000:2000,22 -j ACCEPT'
inproc 4 "--ports" <<<'-A INPUT -p tcp -m multiport --ports 22 -j ACCEPT'

# Targets.
inproc 4 "ACCEPT, DROP, RETURN, a jump, no target" <<'EOF'
-A INPUT -p tcp -j ssh-in
-A INPUT -s 198.51.100.0/24 -j DROP
-A INPUT -j ACCEPT
-A ssh-in -s 203.0.113.0/24 -j RETURN
-A ssh-in -p tcp --dport 22
-A ssh-in -j ACCEPT
EOF
inproc 4 "-j REJECT" <<<'-A INPUT -j REJECT'
inproc 4 "--reject-with tcp-reset" <<<'-A INPUT -p tcp -j REJECT --reject-with tcp-reset'
inproc 4 "--reject-with icmp-host-prohibited" <<<'-A INPUT -j REJECT --reject-with icmp-host-prohibited'
inproc 6 "IPv6 --reject-with icmp6-adm-prohibited" <<<'-A INPUT -j REJECT --reject-with icmp6-adm-prohibited'
inproc 6 "IPv6 -j REJECT" <<<'-A INPUT -j REJECT'
inproc 6 "IPv6 jump, RETURN, no target" <<'EOF'
-A INPUT -p tcp -j ssh-in
-A ssh-in -s 2001:db8::/32 -j RETURN
-A ssh-in -p tcp --dport 22
-A ssh-in -j ACCEPT
EOF

# Several tables in one file.
inproc 4 "*raw and *filter" <<'EOF'
*raw
:PREROUTING ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A PREROUTING -p udp --dport 123 -j ACCEPT
COMMIT
*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -p udp --dport 123 -j ACCEPT
COMMIT
EOF
inproc 4 "*mangle with declarations only" <<'EOF'
*mangle
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
COMMIT
*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -i lo -j ACCEPT
COMMIT
EOF
inproc 6 "IPv6 *raw and *filter" <<'EOF'
*raw
:PREROUTING ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A PREROUTING -p udp --dport 123 -j ACCEPT
COMMIT
*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -p udp --dport 123 -j ACCEPT
COMMIT
EOF

# The order of the options is the order of the matches: the same options
# in another order make other tables.
inproc 4 "conntrack before tcp" <<<'-A INPUT -m conntrack --ctstate NEW -p tcp --dport 22 -j ACCEPT'
ct_first=$HASH
inproc 4 "tcp before conntrack" <<<'-A INPUT -p tcp --dport 22 -m conntrack --ctstate NEW -j ACCEPT'
[ -n "$ct_first" ] && [ -n "$HASH" ] && [ "$ct_first" != "$HASH" ]
ok $? "the two orders make different tables"

# A large file.
awk 'BEGIN {
	print "*filter"; print ":INPUT DROP [0:0]"; print ":FORWARD DROP [0:0]"; print ":OUTPUT ACCEPT [0:0]"
	for (i = 0; i < 2000; i++)
		printf "-A INPUT -s 198.18.%d.%d/32 -p tcp -m tcp --dport %d -j ACCEPT\n", int(i / 256), i % 256, 1024 + i
	print "COMMIT" }' > "$T/big.rules"
inproc 4 "2,000 rules" "$T/big.rules"

# --- Handed over: outside the subset, applied as restore applies it. ---

handover 4 "-m state" '-m state' <<<'-A INPUT -m state --state ESTABLISHED -j ACCEPT'
handover 4 "--syn" '--syn' <<'EOF'
-A INPUT -i lo -j ACCEPT
-A INPUT -p tcp --syn -j DROP
EOF
handover 4 "! -s (negation)" '! -s' <<<'-A INPUT ! -s 203.0.113.0/24 -j DROP'
handover 4 "--comment in quotes" '--comment' <<<'-A INPUT -m comment --comment "two words" -j ACCEPT'
handover 4 "-j LOG" '-j LOG' <<<'-A INPUT -j LOG --log-prefix x'
handover 4 "--dport by service name" '--dport ssh' <<<'-A INPUT -p tcp --dport ssh -j ACCEPT'
handover 4 "-s by host name" '-s localhost' <<<'-A INPUT -s localhost -j ACCEPT'
handover 4 "-N" '-N newchain' <<'EOF'
-A INPUT -i lo -j ACCEPT
-N newchain
-A newchain -j ACCEPT
-A INPUT -p tcp -j newchain
EOF
handover 4 "-I" '-I INPUT' <<'EOF'
-A INPUT -p tcp --dport 22 -j ACCEPT
-I INPUT 1 -j ACCEPT
EOF
handover 4 "-m recent (a match outside the subset)" '-m recent' <<<'-A INPUT -m recent --set'
handover 4 "--icmp-type port-unreachable" 'port-unreachable' <<<'-A INPUT -p icmp --icmp-type port-unreachable -j ACCEPT'
handover 4 "a '#' inside a rule" '#x' <<<'-A INPUT -m comment --comment #x -j ACCEPT'
# With multiport loaded and tcp not, iptables (getopt_long) reads "--dport"
# as multiport's "--dports".
handover 4 "--dport abbreviating multiport's --dports" '--dport' <<<'-A INPUT -p tcp -m multiport --dport 80 -j ACCEPT'
handover 6 "IPv6 ! -s (negation)" '! -s' <<<'-A INPUT ! -s 2001:db8::/32 -j DROP'

# --- Rejected by restore itself: the rules stay. ---

rejected 4 "--dport 99999" <<<'-A INPUT -p tcp --dport 99999 -j ACCEPT'
rejected 4 "-A to an undeclared chain" <<<'-A NOSUCHCHAIN -j ACCEPT'
rejected 4 "-j to an undeclared chain" <<<'-A INPUT -j nosuchchain'
rejected 4 "udp with --reject-with tcp-reset" <<<'-A INPUT -p udp -j REJECT --reject-with tcp-reset'
rejected 4 "-p udp -m tcp" <<<'-A INPUT -p udp -m tcp --dport 22 -j ACCEPT'
rejected 6 "IPv6 -j to an undeclared chain" <<<'-A INPUT -j nosuchchain'
# Lines the kernel would take and restore refuses: oobd's reading must not
# take them either.
rejected 4 "-o in INPUT (it would never match)" <<<'-A INPUT -o oob0 -j DROP'
rejected 6 "IPv6 -i in OUTPUT" <<<'-A OUTPUT -i lo -j ACCEPT'
rejected 6 "IPv6 --reject-with tcp-rst (IPv4's name)" <<<'-A INPUT -p tcp -j REJECT --reject-with tcp-rst'
rejected 4 "a chain named standard" <<'EOF'
*filter
:INPUT ACCEPT [0:0]
:standard - [0:0]
-A INPUT -j standard
COMMIT
EOF

# A file whose *raw oobd commits and whose *filter the kernel refuses:
# restore, taking over, fails at the same table, and what was in place
# (*raw included) is put back.
rejected 4 "*raw committed, *filter refused by the kernel" <<'EOF'
*raw
:PREROUTING ACCEPT [0:0]
-A PREROUTING -p udp --dport 5353 -j ACCEPT
COMMIT
*filter
:INPUT DROP [0:0]
-A INPUT -p udp -j REJECT --reject-with tcp-reset
COMMIT
EOF
like "$FWLOG" "<6>firewall IPv4: $(re_quote "$T/fw4.rules"):[0-9]+: table filter: commit: .+; applying it with iptables-legacy-restore" \
	"*raw committed, *filter refused: oobd's own commit stopped at *filter"

stop_oobd
check_main_ruleset_unchanged
done_testing

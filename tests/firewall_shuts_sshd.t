#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A firewall file that shuts sshd out: the file parses and applies, sshd
# answers (the readiness probe goes through loopback), and nobody gets in
# from the management network: the ssh rule names another port than sshd's
# Port, a DROP comes before it, it names another interface, it takes only
# established connections; or OUTPUT lets sshd's answers out on loopback
# only; or a DROP in another table (raw, mangle, security) does. oobd
# follows a new connection to sshd's port arriving on the NIC through every
# chain it crosses on its way in (INPUT, and the other tables' chains before
# and after it) and the chains they jump to, and sshd's answer to it (its
# SYN-ACK) on its way out the same way. When every one is surely dropped, whatever its
# source, status shows a problem naming the rule (or policy) that drops
# it, and oobctl reload and oobd -t warn of it.
# Each verdict is checked against a real connection from the admin side:
# every ruleset reported as shutting sshd out does (no banner), and none
# that lets a connection in is reported. A rule that depends on what oobd
# cannot know (the source address, a rate limit) is taken as letting in:
# never a false alarm, at the price of a shut-out it cannot tell.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"
command -v iptables-legacy-restore >/dev/null || skip_all "needs iptables (legacy tools)"
OOBCTL=$BUILD/oobctl
problem() { "$OOBCTL" status --json | jq -r '.problems[]' | grep "^IPv$1 firewall: no new connection to sshd"; }

# rules V POLICY [RULE...]: the IPv$V file: loopback and established
# connections in, then the RULEs (lines of *filter; -N lines first), INPUT's
# POLICY; OUTPUT open. Then the tables "with" gave since the last one.
# with TABLE LINE...: the next file also has a *TABLE of these lines.
extra=""
with() { extra+=$(printf '*%s\n' "$1"; shift; printf '%s\n' "$@" COMMIT)$'\n'; }
rules() {
	local v=$1 policy=$2; shift 2
	{
		printf '*filter\n:INPUT %s [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n' "$policy"
		printf '%s\n' "$@" | grep '^-N' | sed 's/^-N \(.*\)/:\1 - [0:0]/'
		printf '%s\n' '-A INPUT -i lo -j ACCEPT' '-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT'
		printf '%s\n' "$@" | grep -v '^-N'
		printf 'COMMIT\n%s' "$extra"
	} > "$T/fw$v.rules"
	extra=""
}
# apply: oobctl reload; its answer in $reloaded.
n_reloads=0
apply() {
	n_reloads=$((n_reloads + 1))
	reloaded=$("$OOBCTL" reload 2>&1)
	wait_until 20 reloads_done "$n_reloads" || bail "reload $n_reloads did not finish"
}
reloads_done() { [ "$(grep -c 'reload done' "$T/oobd.log")" -ge "$1" ]; }

# shut DESC BY RULE...: with these IPv4 rules, status names BY as what
# drops sshd's connections, and the admin indeed gets no banner.
shut() {
	local desc=$1 by=$2; shift 2
	rules 4 DROP "$@"
	apply
	matches "$reloaded" "^warning: IPv4 firewall: no new connection to sshd \(port 22\) gets in on oob0: $by drops it"$'\n'"reloaded$" \
		"$desc: oobctl reload warns that sshd is shut out, by $by"
	like "$(problem 4)" "^IPv4 firewall: no new connection to sshd \(port 22\) gets in on oob0: $by drops it$" \
		"$desc: status says so"
	! ssh_banner "$OOB4"
	ok $? "$desc: ... and the admin gets no banner"
}
# open DESC POLICY RULE...: no problem, and the admin gets the banner.
open() {
	local desc=$1 policy=$2; shift 2
	rules 4 "$policy" "$@"
	apply
	is "$reloaded" "reloaded" "$desc: oobctl reload: no warning"
	is "$(problem 4)" "" "$desc: no problem"
	ssh_banner "$OOB4"
	ok $? "$desc: ... and the admin gets the banner"
}
# unknown DESC RULE...: the admin gets no banner, but oobd cannot know it
# (the rule depends on the source): no problem.
unknown() {
	local desc=$1; shift
	rules 4 DROP "$@"
	apply
	is "$(problem 4)" "" "$desc: no problem (it depends on the source)"
	! ssh_banner "$OOB4"
	ok $? "$desc: ... though this admin gets no banner"
}

make_nic
make_keys
write_sshd_config
rules 4 DROP '-A INPUT -p tcp --dport 22 -j ACCEPT'
cp "$SRC_DIR/conf/firewall-v6.rules" "$T/fw6.rules"
write_nic_config "$T/oobd.conf" "address = $OOB6/64 nodad" "[firewall]" "ipv4 = $T/fw4.rules" "ipv6 = $T/fw6.rules"

# oobd -t: each file is committed in a throw-away namespace and read back;
# one that would shut sshd out is a warning on the line that names it.
fwline=$(grep -n '^ipv4 = ' "$T/oobd.conf" | cut -d: -f1)
t_check() { # t_check DESC WARNING-REGEX|"": oobd -t on the config
	local out st
	out=$("$OOBD" -t -c "$T/oobd.conf" 2>&1); st=$?
	is "$st" 0 "oobd -t, $1: valid (exit status 0)"
	if [ -n "$2" ]; then
		like "$out" "^$T/oobd.conf:$fwline: warning: key 'ipv4': under $T/fw4.rules, $2" "oobd -t, $1: a warning"
	else
		unlike "$out" "warning" "oobd -t, $1: no warning"
	fi
}
t_check "port 22 let in" ""
rules 4 DROP '-A INPUT -p tcp --dport 2222 -j ACCEPT'
t_check "the ssh rule on another port (applied in-process)" \
	"no new connection to sshd \(port 22\) gets in on oob0: the INPUT policy DROP drops it$"
rules 4 DROP '-A INPUT -p tcp --dport 22 -m state --state ESTABLISHED -j ACCEPT'
t_check "established connections only (applied by restore)" \
	"no new connection to sshd \(port 22\) gets in on oob0: the INPUT policy DROP drops it$"
rules 4 DROP '-A INPUT -i oob0 -p tcp --dport 22 -j ACCEPT'
t_check "the ssh rule on the NIC's name to be" ""
printf '%s\n' '*filter' ':INPUT ACCEPT [0:0]' ':FORWARD DROP [0:0]' ':OUTPUT DROP [0:0]' '-A OUTPUT -o lo -j ACCEPT' COMMIT \
	> "$T/fw4.rules"
t_check "OUTPUT DROP, loopback only" \
	"sshd's answers \(from port 22\) do not get out on oob0: the OUTPUT policy DROP drops them$"
with raw '-A PREROUTING -i oob0 -p tcp --dport 22 -j DROP'
rules 4 DROP '-A INPUT -p tcp --dport 22 -j ACCEPT'
t_check "a DROP of the port in the raw table" \
	"no new connection to sshd \(port 22\) gets in on oob0: raw PREROUTING rule 1 \(-i oob0 -p tcp -m tcp --dport 22 -j DROP\) drops it$"
rules 4 DROP '-A INPUT -i oob0 -p tcp --dport 22 -j ACCEPT'
# Matched by MAC and not renamed, the NIC's name inside is not known
# before it is moved: a rule for some interface may be for it, one for
# loopback is not.
sed '/^rename = /d' "$T/oobd.conf" > "$T/noname.conf"
fwline=$(grep -n '^ipv4 = ' "$T/noname.conf" | cut -d: -f1)
out=$("$OOBD" -t -c "$T/noname.conf" 2>&1)
unlike "$out" "warning" "oobd -t, NIC not renamed, the ssh rule on an interface: no warning"
rules 4 DROP '-A INPUT ! -i + -j DROP' '-A INPUT -p tcp --dport 22 -j ACCEPT'
out=$("$OOBD" -t -c "$T/noname.conf" 2>&1)
unlike "$out" "warning" "oobd -t, NIC not renamed, a DROP on no interface (! -i +), then the ssh rule: no warning"
rules 4 DROP '-A INPUT -i lo -p tcp --dport 22 -j ACCEPT'
out=$("$OOBD" -t -c "$T/noname.conf" 2>&1)
like "$out" "^$T/noname.conf:$fwline: warning: key 'ipv4': under $T/fw4.rules, no new connection to sshd \(port 22\) gets in on the NIC: the INPUT policy DROP drops it$" \
	"oobd -t, NIC not renamed, the ssh rule on loopback only: a warning"
rules 4 DROP '-A INPUT -p tcp --dport 22 -j ACCEPT'
start_oobd "$T/oobd.conf"
wait_until 20 ssh_banner "$OOB4"
ok $? "sshd answers with port 22 let in" || bail "oobd did not come up"
is "$(problem 4)$(problem 6)" "" "no problem"

cp "$SRC_DIR/conf/firewall-v4.rules" "$T/fw4.rules"
apply
is "$(problem 4)" "" "the shipped file: no problem"
check "the shipped file: the admin gets the banner" -- ssh_banner "$OOB4"

shut "the ssh rule on another port" "the INPUT policy DROP" '-A INPUT -p tcp --dport 2222 -j ACCEPT'
check "... and the log has the warning" -- log_has "^<4>IPv4 firewall: no new connection to sshd \(port 22\) gets in on oob0"
shut "a DROP before the ssh rule" "INPUT rule 3 \(-m conntrack -j DROP\)" \
	'-A INPUT -m conntrack --ctstate NEW -j DROP' '-A INPUT -p tcp --dport 22 -j ACCEPT'
shut "a REJECT of the port" "INPUT rule 3 \(-p tcp -m tcp --dport 22 -j REJECT\)" \
	'-A INPUT -p tcp --dport 22 -j REJECT --reject-with tcp-reset' '-A INPUT -j ACCEPT'
shut "the ssh rule for another interface" "the INPUT policy DROP" '-A INPUT -i eth9 -p tcp --dport 22 -j ACCEPT'
shut "the ssh rule for established connections only" "the INPUT policy DROP" \
	'-A INPUT -p tcp --dport 22 -m state --state ESTABLISHED -j ACCEPT'
shut "the ssh rule for packets other than a SYN" "the INPUT policy DROP" '-A INPUT -p tcp --dport 22 ! --syn -j ACCEPT'
shut "the ssh rule for UDP" "the INPUT policy DROP" '-A INPUT -p udp --dport 22 -j ACCEPT'
shut "multiport without sshd's port" "the INPUT policy DROP" '-A INPUT -p tcp -m multiport --dports 80,443,8000:8080 -j ACCEPT'
shut "a LOG, then a DROP" "INPUT rule 4 \(-j DROP\)" '-A INPUT -j LOG' '-A INPUT -j DROP' '-A INPUT -p tcp --dport 22 -j ACCEPT'
shut "a chain that drops the port" "SSH rule 1 \(-p tcp -m tcp --dport 22 -j DROP\)" \
	'-N SSH' '-A SSH -p tcp --dport 22 -j DROP' '-A INPUT -p tcp -j SSH' '-A INPUT -j ACCEPT'
shut "a chain that returns, then a DROP" "INPUT rule 4 \(-j DROP\)" \
	'-N SSH' '-A SSH -p tcp --dport 2222 -j ACCEPT' '-A INPUT -j SSH' '-A INPUT -j DROP'
shut "a goto to a chain that returns: the INPUT policy" "the INPUT policy DROP" \
	'-N SSH' '-A SSH -p tcp --dport 2222 -j ACCEPT' '-A INPUT -p tcp -g SSH' '-A INPUT -j ACCEPT'

open "an accept of every new connection" DROP '-A INPUT -m conntrack --ctstate NEW -j ACCEPT'
open "policy ACCEPT, no rule" ACCEPT
open "the ssh rule on the NIC" DROP '-A INPUT -i oob0 -p tcp --dport 22 -j ACCEPT'
open "the ssh rule on an interface pattern" DROP '-A INPUT -i oob+ -p tcp --dport 22 -j ACCEPT'
open "the ssh rule for any interface but another" DROP '-A INPUT ! -i eth9 -p tcp --dport 22 -j ACCEPT'
open "multiport with a range holding sshd's port" DROP '-A INPUT -p tcp -m multiport --dports 80,20:30 -j ACCEPT'
open "a chain that accepts the port" DROP '-N SSH' '-A SSH -p tcp --dport 22 -j ACCEPT' '-A INPUT -j SSH'
open "a DROP of another port first" DROP '-A INPUT -p tcp --dport 23 -j DROP' '-A INPUT -p tcp --dport 22 -j ACCEPT'
open "a rate limit on the ssh rule" DROP '-A INPUT -p tcp --dport 22 -m limit --limit 10/second -j ACCEPT'
open "a DROP of some sources, then the ssh rule" DROP '-A INPUT -s 198.51.100.0/24 -j DROP' \
	'-A INPUT -p tcp --dport 22 -j ACCEPT'
unknown "the ssh rule for another network" '-A INPUT -s 198.51.100.0/24 -p tcp --dport 22 -j ACCEPT'
open "a DROP of no address at all (! -s 0.0.0.0/0), then the ssh rule" DROP '-A INPUT ! -s 0.0.0.0/0 -j DROP' \
	'-A INPUT -p tcp --dport 22 -j ACCEPT'

# Connections the raw table leaves untracked are not NEW: a rule that
# takes UNTRACKED ones may let a SYN in.
rules 4 DROP '-A INPUT -m conntrack --ctstate UNTRACKED -j ACCEPT'
printf '%s\n' '*raw' ':PREROUTING ACCEPT [0:0]' ':OUTPUT ACCEPT [0:0]' '-A PREROUTING -p tcp --dport 22 -j NOTRACK' \
	'-A OUTPUT -p tcp --sport 22 -j NOTRACK' COMMIT >> "$T/fw4.rules"
apply
is "$(problem 4)" "" "a NOTRACK in raw, UNTRACKED let in: no problem"
check "... and the admin gets the banner" -- ssh_banner "$OOB4"

# OUTPUT restricted: sshd's answer (its SYN-ACK, ESTABLISHED in the reply
# direction) must get out. The readiness probe's goes out on loopback.
# out_rules RULE...: ssh let in; OUTPUT's policy DROP, loopback out, then
# the RULEs.
out_rules() {
	{
		printf '*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT DROP [0:0]\n'
		printf '%s\n' '-A INPUT -i lo -j ACCEPT' '-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT' \
			'-A INPUT -p tcp --dport 22 -j ACCEPT' '-A OUTPUT -o lo -j ACCEPT'
		printf '%s\n' "$@"
		printf 'COMMIT\n'
	} > "$T/fw4.rules"
	apply
}
# mute DESC BY RULE...: status and the reload say sshd's answers are
# dropped, by BY; the admin gets no banner.
mute() {
	local desc=$1 by=$2; shift 2
	out_rules "$@"
	like "$reloaded" "^warning: IPv4 firewall: sshd's answers \(from port 22\) do not get out on oob0: $by drops them" \
		"$desc: oobctl reload warns that sshd's answers are dropped, by $by"
	like "$(out_problem)" "^IPv4 firewall: sshd's answers \(from port 22\) do not get out on oob0: $by drops them$" \
		"$desc: status says so"
	is "$(problem 4)" "" "$desc: ... and not that connections do not get in"
	! ssh_banner "$OOB4"
	ok $? "$desc: ... and the admin gets no banner"
}
out_problem() { "$OOBCTL" status --json | jq -r '.problems[]' | grep "^IPv4 firewall: sshd's answers"; }
# speaks DESC RULE...: no problem; the admin gets the banner.
speaks() {
	local desc=$1; shift
	out_rules "$@"
	is "$reloaded" "reloaded" "$desc: oobctl reload: no warning"
	is "$(out_problem)" "" "$desc: no problem"
	check "$desc: ... and the admin gets the banner" -- ssh_banner "$OOB4"
}
mute "OUTPUT DROP, loopback only" "the OUTPUT policy DROP"
mute "OUTPUT lets out new connections only" "the OUTPUT policy DROP" '-A OUTPUT -m state --state NEW -j ACCEPT'
mute "OUTPUT lets out port 22's SYNs only" "the OUTPUT policy DROP" '-A OUTPUT -p tcp --sport 22 --syn -j ACCEPT'
mute "OUTPUT lets out established connections on another interface" "the OUTPUT policy DROP" \
	'-A OUTPUT -o eth9 -m conntrack --ctstate ESTABLISHED -j ACCEPT'
mute "a DROP of port 22's answers" "OUTPUT rule 2 \(-p tcp -m tcp --sport 22 -j DROP\)" \
	'-A OUTPUT -p tcp --sport 22 -j DROP' '-A OUTPUT -j ACCEPT'
speaks "OUTPUT lets out established connections" '-A OUTPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT'
speaks "OUTPUT lets out what comes from port 22" '-A OUTPUT -p tcp --sport 22 -j ACCEPT'
speaks "OUTPUT lets out established connections on the NIC" '-A OUTPUT -o oob0 -m state --state ESTABLISHED -j ACCEPT'
speaks "multiport source ports" '-A OUTPUT -p tcp -m multiport --sports 22,2222 -j ACCEPT'

# The other tables. The SYN crosses raw and mangle PREROUTING (and nat's,
# which makes DNAT), then mangle INPUT before filter, security INPUT after;
# sshd's answer raw, mangle and security OUTPUT and mangle POSTROUTING. A
# DROP in any of them shuts sshd out, wherever the rest let it in. (Rules
# for oob0 only: the readiness probe comes through loopback.)
ssh22='-A INPUT -p tcp --dport 22 -j ACCEPT'
with raw '-A PREROUTING -i oob0 -p tcp --dport 22 -j DROP'
shut "a DROP of the port in raw PREROUTING" "raw PREROUTING rule 1 \(-i oob0 -p tcp -m tcp --dport 22 -j DROP\)" "$ssh22"
with raw '-A PREROUTING -i oob0 -m conntrack --ctstate INVALID -j DROP'
shut "a DROP of INVALID in raw, before the connection tracker: everything" \
	"raw PREROUTING rule 1 \(-i oob0 -m conntrack -j DROP\)" "$ssh22"
with raw '-A PREROUTING -i oob0 -m conntrack --ctstate NEW -j DROP'
open "a DROP of NEW in raw, where nothing is NEW yet" DROP "$ssh22"
with mangle '-A PREROUTING -i oob0 -m conntrack --ctstate NEW -j DROP'
shut "a DROP of NEW in mangle PREROUTING" "mangle PREROUTING rule 1 \(-i oob0 -m conntrack -j DROP\)" "$ssh22"
with mangle ':INPUT DROP [0:0]' '-A INPUT -i lo -j ACCEPT'
shut "mangle INPUT's policy DROP" "the mangle INPUT policy DROP" "$ssh22"
# (The security table is there when the kernel has its security framework.)
if unshare --net iptables-legacy -t security -S >/dev/null 2>&1; then
	with security '-A INPUT -i oob0 -p tcp --dport 20:30 -j DROP'
	shut "a DROP in security INPUT, after filter let it in" \
		"security INPUT rule 1 \(-i oob0 -p tcp -m tcp --dport 20:30 -j DROP\)" "$ssh22"
else
	for i in 1 2 3; do skip "a DROP in security INPUT: no security table in this kernel"; done
fi
with raw '-A PREROUTING -s 198.51.100.0/24 -j DROP'
open "a DROP of some sources in raw" DROP "$ssh22"
with raw '-A PREROUTING -s 198.51.100.0/24 -j DROP'
shut "a DROP of some sources in raw, then filter's ssh rule on another port" "the INPUT policy DROP" \
	'-A INPUT -p tcp --dport 2222 -j ACCEPT'
# A connection the raw table cannot have left untracked is NEW.
shut "UNTRACKED let in, nothing in raw to untrack" "the INPUT policy DROP" \
	'-A INPUT -m conntrack --ctstate UNTRACKED -j ACCEPT'
# nat's REDIRECT sends port 2200 to sshd's 22: raw sees 2200, so its DROP
# of 22 drops none of those, and is not judged.
with raw '-A PREROUTING -i oob0 -p tcp --dport 22 -j DROP'
with nat '-A PREROUTING -i oob0 -p tcp --dport 2200 -j REDIRECT --to-ports 22'
rules 4 DROP "$ssh22"
apply
is "$reloaded" "reloaded" "a DROP of the port in raw, and a REDIRECT to it in nat: oobctl reload: no warning"
is "$(problem 4)" "" "... no problem"
check "... and the admin gets the banner through port 2200" -- ssh_banner "$OOB4" 2200
# The tables after it see sshd's port, and are judged.
with nat '-A PREROUTING -i oob0 -p tcp --dport 2200 -j REDIRECT --to-ports 22'
shut "a REDIRECT to the port in nat, then filter's ssh rule on another port" "the INPUT policy DROP" \
	'-A INPUT -p tcp --dport 2222 -j ACCEPT'
! ssh_banner "$OOB4" 2200
ok $? "... and the admin gets no banner through port 2200 either"
# A CT rule in raw: the kernel passes what it leaves untracked by nat's
# chains (nat's DROP does not drop it); after a CT rule that gives the
# connection its entry (a zone), raw sees it NEW already.
with raw '-A PREROUTING -i oob0 -p tcp --dport 22 -j CT --notrack'
with nat ':PREROUTING DROP [0:0]' '-A PREROUTING -i lo -j ACCEPT'
open "a NOTRACK of the port in raw, and nat PREROUTING's policy DROP" DROP "$ssh22"
with raw '-A PREROUTING -i oob0 -j CT --zone 1' '-A PREROUTING -i oob0 -m conntrack ! --ctstate NEW -j DROP' \
	'-A OUTPUT -o oob0 -j CT --zone 1'
open "a zone given in raw, then a DROP of what is not NEW" DROP "$ssh22"
# The answer: in raw OUTPUT it is not ESTABLISHED yet (INVALID).
with raw '-A OUTPUT -o oob0 -m conntrack --ctstate ESTABLISHED -j DROP'
rules 4 DROP "$ssh22"
apply
is "$reloaded" "reloaded" "a DROP of ESTABLISHED in raw OUTPUT, where nothing is yet: oobctl reload: no warning"
is "$(out_problem)" "" "... no problem"
check "... and the admin gets the banner" -- ssh_banner "$OOB4"
with mangle '-A POSTROUTING -o oob0 -p tcp --sport 22 -j DROP'
rules 4 DROP "$ssh22"
apply
by="mangle POSTROUTING rule 1 \(-o oob0 -p tcp -m tcp --sport 22 -j DROP\)"
like "$reloaded" "^warning: IPv4 firewall: sshd's answers \(from port 22\) do not get out on oob0: $by drops them" \
	"a DROP of port 22's answers in mangle POSTROUTING: oobctl reload warns"
like "$(out_problem)" "^IPv4 firewall: sshd's answers \(from port 22\) do not get out on oob0: $by drops them$" \
	"... status says so"
! ssh_banner "$OOB4"
ok $? "... and the admin gets no banner"

# IPv6: the family has an address, so its file is looked at too.
sed -i 's/--dport 22 /--dport 2222 /' "$T/fw6.rules"
apply
like "$(problem 6)" "^IPv6 firewall: no new connection to sshd \(port 22\) gets in on oob0: the INPUT policy DROP drops it$" \
	"IPv6: the shipped file with the ssh rule on another port: a problem"
! banner_from admin "$OOB6"
ok $? "IPv6: ... and the admin gets no banner over IPv6"
cp "$SRC_DIR/conf/firewall-v6.rules" "$T/fw6.rules"
apply
is "$(problem 6)" "" "IPv6: the shipped file: no problem"
check "IPv6: ... the admin gets the banner" -- banner_from admin "$OOB6"

# The built-in ruleset, which stands in for a broken file, lets sshd in.
shut "the last file before a broken one" "the INPUT policy DROP" '-A INPUT -p tcp --dport 2222 -j ACCEPT'
echo 'not a rules file' > "$T/fw4.rules"
stop_oobd
start_oobd "$T/oobd.conf"
wait_until 20 ssh_banner "$OOB4"
ok $? "a broken file at start: the built-in ruleset, sshd answers" || bail "oobd did not come up"
is "$(problem 4)" "" "... no shut-out problem"
stop_oobd

# sshd on two ports: one let in is a way in; neither, and the problem
# names both.
write_sshd_config "Port 2222"
rules 4 DROP '-A INPUT -p tcp --dport 2222 -j ACCEPT'
start_oobd "$T/oobd.conf"
wait_until 20 ssh_banner "$OOB4" 2222
ok $? "sshd on ports 22 and 2222, 2222 let in: the admin gets the banner on 2222" || bail "oobd did not come up"
is "$(problem 4)" "" "... no problem"
rules 4 DROP '-A INPUT -p tcp --dport 80 -j ACCEPT'
apply
like "$(problem 4)" "^IPv4 firewall: no new connection to sshd \(ports 22, 2222\) gets in on oob0: the INPUT policy DROP drops it$" \
	"neither port let in: the problem names both"
! ssh_banner "$OOB4" && ! ssh_banner "$OOB4" 2222
ok $? "... and the admin gets no banner on either"
stop_oobd
done_testing

# SPDX-License-Identifier: GPL-2.0-or-later
# "oobd -t": every kind of config problem is reported as FILE:LINE: message
# on the right line, all of them in one run, with exit status 1; a usable
# config exits 0 and says so.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"

make_keys
write_sshd_config
CF=$T/c.conf

# lineof TEXT: the line of CF that holds TEXT (the first one).
lineof() { grep -n -m1 -F -- "$1" "$CF" | cut -d: -f1; }

# tcheck DESC [LINE|FRAGMENT]...: oobd -t on CF must fail with status 1 and
# print exactly these problems: for each, a line "CF:LINE: ..." containing
# FRAGMENT. LINE is a number, @TEXT (the line of CF holding TEXT), or - for
# a problem on no line ("CF: ...").
tcheck() {
	local desc=$1 st out err exp line where frag found l
	shift
	out=$("$OOBD" -t -c "$CF" 2>"$T/err")
	st=$?
	err=$(cat "$T/err")
	is "$st" 1 "$desc: exit status 1"
	for exp in "$@"; do
		line=${exp%%|*}
		frag=${exp#*|}
		[ "${line#@}" != "$line" ] && line=$(lineof "${line#@}")
		where=$CF:$line
		[ "$line" = - ] && where=$CF
		found=1
		while IFS= read -r l; do
			[[ $l == "$where: "*"$frag"* ]] && found=0
		done <<<"$err"
		ok $found "$desc: $where: ...$frag..."
		[ $found -eq 0 ] || { diag "stderr was:"; printf '%s\n' "$err" | sed 's/^/#   /'; }
	done
	# Not a problem: what a start would do with the file (oobd -t's note).
	is "$(printf '%s' "$err" | grep -vc "^$CF: a start would still run it, ")" "$#" "$desc: $# problem(s) reported"
	unlike "$out" "valid" "$desc: not called valid"
}

# cfg: CF from stdin, with a valid [sshd] section appended (the files it
# names must exist for the config to be usable).
cfg() {
	cat > "$CF"
	printf '[sshd]\nconfig = %s\n' "$T/sshd_config" >> "$CF"
}

# --- a valid config ---
cfg <<EOF
# comment
; another
[namespace]
name = oob

[interface]
match = eno2
rename = oob0
  mtu = 1500
address = 203.0.113.10/24
address = 2001:db8:10::10/64
gateway = 203.0.113.1
gateway = fe80::1
route = 198.51.100.0/24 via 203.0.113.254
route = 2001:db8:99::/48
[dns]
nameserver = 203.0.113.53
nameserver = fe80::53
search = mgmt.example.net example.org
[sysctl]
net.ipv4.ip_forward = 0
net.ipv4.conf.eth0/100.rp_filter = 1 ; a comment
net.ipv4.tcp_rmem = 4096 131072 6291456
[service hash]
exec = /bin/sleep 1000 \\# x'#y'
EOF
out=$("$OOBD" -t -c "$CF" 2>"$T/err"); st=$?
is "$st" 0 "valid config: exit status 0"
is "$out" "$CF: configuration is valid" "valid config: says so on stdout"
is "$(cat "$T/err")" "" "valid config: nothing on stderr"
# A valid config under which no key can log in: a warning (the keys may be
# installed after the check).
mv "$T/authorized_keys" "$T/keys.away"
out=$("$OOBD" -t -c "$CF" 2>"$T/err"); st=$?
is "$st" 0 "no authorized keys file: still valid (exit status 0)"
is "$(cat "$T/err")" "$CF:$(lineof "config = "): key 'config': warning: no key can log in to sshd config $T/sshd_config: $T/authorized_keys: No such file or directory" \
	"... a warning on the [sshd] config line names the file"
mv "$T/keys.away" "$T/authorized_keys"

cfg <<EOF
[interface]
match = mac:02:00:5e:00:53:01
EOF
"$OOBD" -t -c "$CF" >/dev/null 2>&1
ok $? "minimal config (match by MAC only) is valid"

# --- warnings: the config is usable, but something in it will not work ---
# A gateway on no subnet of the interface (a typo, or a /32 address): the
# kernel refuses the route unless a route oobd does not own makes it
# on-link, so it is a warning, on the gateway's line; one inside an
# on-link route of the file is fine.
cfg <<EOF
[interface]
match = eno2
address = 203.0.113.10/24
address = 2001:db8:10::10/64
gateway = 198.51.100.1
gateway = 2001:db8:99::1
route = 198.18.0.0/24 via 198.51.100.9
route = 198.19.0.0/24 via 198.51.100.9
route = 198.20.0.0/24 via 203.0.113.254
route = 198.21.0.0/24 via 198.22.0.1
route = 198.22.0.0/24
route = 2001:db8:98::/48 via fe80::1
EOF
out=$("$OOBD" -t -c "$CF" 2>"$T/err"); st=$?
is "$st" 0 "gateways off the subnets: still valid (exit status 0)"
is "$out" "$CF: configuration is valid" "gateways off the subnets: says so on stdout"
err=$(cat "$T/err")
like "$err" "^$CF:$(lineof 'gateway = 198.51.100.1'): key 'gateway': warning: 198\.51\.100\.1 is not on a subnet of the interface" \
	"an IPv4 gateway off every subnet: a warning on its line"
like "$err" "^$CF:$(lineof 'gateway = 2001:db8:99::1'): key 'gateway': warning: 2001:db8:99::1 is not on a subnet" \
	"an IPv6 gateway off every subnet: a warning on its line"
like "$err" "^$CF:$(lineof '198.18.0.0/24 via'): key 'route': warning: gateway 198\.51\.100\.9 is not on a subnet" \
	"a route via a gateway off every subnet: a warning on its line"
like "$err" "^$CF:$(lineof '198.19.0.0/24 via'): key 'route': warning: gateway 198\.51\.100\.9 is not on a subnet" \
	"the next route via the same gateway: a warning on its own line"
is "$(printf '%s\n' "$err" | grep -c .)" 4 "no warning for a link-local gateway, nor one on a subnet or an on-link route"

# A gateway or a name server at the broadcast address of a subnet of the
# NIC (.255 typed for .254): the kernel refuses such a gateway, and the
# resolver cannot send to it; both are warnings on their lines. Checked
# against the kernel first, on a veth of the sandbox's own.
ip link add bc0 type veth peer name bc1 && ip addr add 198.51.100.10/24 dev bc0 && ip link set bc0 up ||
	bail "cannot make a veth in the sandbox"
! ip route add default via 198.51.100.255 dev bc0 2>/dev/null
ok $? "the kernel refuses a gateway at a subnet's broadcast address"
! bash -c 'exec 3<>/dev/udp/198.51.100.255/53' 2>/dev/null
ok $? "... and a socket that is not allowed to broadcast cannot be connected there, as the resolver's"
check "... while the subnet's first address, its network, is a gateway like another" -- \
	ip route add default via 198.51.100.0 dev bc0
ip link del bc0
cfg <<EOF
[interface]
match = eno2
address = 203.0.113.10/24
address = 198.18.0.1/30
address = 198.51.100.10/31
address = 203.0.113.20/24
gateway = 203.0.113.255
route = 198.19.0.0/24 via 198.18.0.3
route = 198.20.0.0/24 via 198.51.100.11
route = 198.21.0.0/24 via 203.0.113.0
[dns]
nameserver = 203.0.113.255
nameserver = 203.0.113.53
EOF
out=$("$OOBD" -t -c "$CF" 2>"$T/err"); st=$?
is "$st" 0 "broadcast addresses as gateway and name server: still valid (exit status 0)"
err=$(cat "$T/err")
like "$err" "^$CF:$(lineof 'gateway = 203.0.113.255'): key 'gateway': warning: 203\.0\.113\.255 is the broadcast address of 203\.0\.113\.10/24 \(line $(lineof 'address = 203.0.113.10/24')\): the kernel takes no gateway there$" \
	"the gateway at the /24's broadcast address: a warning on its line, naming the first address of that subnet"
like "$err" "^$CF:$(lineof '198.19.0.0/24 via'): key 'route': warning: 198\.18\.0\.3 is the broadcast address of 198\.18\.0\.1/30 \(line $(lineof 'address = 198.18.0.1/30')\): the kernel takes no gateway there$" \
	"a route via a /30's broadcast address: the same"
like "$err" "^$CF:$(lineof 'nameserver = 203.0.113.255'): key 'nameserver': warning: 203\.0\.113\.255 is the broadcast address of 203\.0\.113\.10/24 \(line $(lineof 'address = 203.0.113.10/24')\): the resolver sends no query there$" \
	"a name server at the broadcast address: a warning on its line"
is "$(printf '%s\n' "$err" | grep -c .)" 3 "none for a /31's other address, a network address or another name server"

# A route via a gateway to exactly the IPv4 subnet of an address of the
# NIC: the kernel's own route for that subnet (metric 0, as oobd's) is
# there already, so it refuses the route at every reconcile: a warning on
# its line. Not for IPv6, where the kernel's prefix route has metric 256
# and one via a gateway 1024; nor for an on-link route, which the kernel's
# is. Checked against the kernel first.
ip link add sn0 type veth peer name sn1 && ip addr add 203.0.113.10/24 dev sn0 &&
	ip addr add 2001:db8:10::10/64 dev sn0 nodad && ip link set sn0 up || bail "cannot make a veth in the sandbox"
! ip route add 203.0.113.0/24 via 203.0.113.1 dev sn0 proto 176 2>/dev/null
ok $? "the kernel refuses a route via a gateway to an IPv4 address's own subnet"
check "... takes one to a part of it" -- ip route add 203.0.113.0/25 via 203.0.113.1 dev sn0 proto 176
check "... and an IPv6 one to an address's own prefix" -- \
	ip -6 route add 2001:db8:10::/64 via 2001:db8:10::1 dev sn0 proto 176
ip link del sn0
cfg <<EOF
[interface]
match = eno2
address = 203.0.113.10/24
address = 198.51.100.10/30
address = 192.0.0.10/32
address = 2001:db8:10::10/64
address = 203.0.113.20/24
route = 203.0.113.0/24 via 203.0.113.1
route = 198.51.100.8/30 via 198.51.100.9
route = 203.0.113.0/25 via 203.0.113.1
route = 198.51.100.0/24 via 198.51.100.9
route = 192.0.0.10/32 via 203.0.113.1
route = 2001:db8:10::/64 via 2001:db8:10::1
EOF
out=$("$OOBD" -t -c "$CF" 2>"$T/err"); st=$?
is "$st" 0 "routes to an address's own subnet: still valid (exit status 0)"
err=$(cat "$T/err")
like "$err" "^$CF:$(lineof 'route = 203.0.113.0/24'): key 'route': warning: the kernel already has a route for 203\.0\.113\.0/24 through the interface, the subnet of 203\.0\.113\.10/24 \(line $(lineof 'address = 203.0.113.10/24')\): it refuses this one$" \
	"a route via a gateway to a /24's own subnet: a warning on its line, naming the first address of it"
like "$err" "^$CF:$(lineof 'route = 198.51.100.8/30'): key 'route': warning: the kernel already has a route for 198\.51\.100\.8/30 through the interface, the subnet of 198\.51\.100\.10/30 \(line $(lineof 'address = 198.51.100.10/30')\)" \
	"... and to a /30's"
is "$(printf '%s\n' "$err" | grep -c .)" 2 "none for a part or a superset of the subnet, a /32, or IPv6"

# A sysctl key this kernel does not have (a typo): setting it will fail at
# run time, so a warning on its line; the NIC's own keys (not in this
# namespace) are looked up as those of "default".
cfg <<EOF
[interface]
match = eno2
rename = oob0
[sysctl]
net.ipv4.ip_forwrd = 0
net.ipv4.ip_forward = 0
net.ipv4.conf.oob0.rp_filter = 1
net.ipv6.conf.oob0.accept_ra = 0
net.ipv4.neigh.oob0.gc_stale_time = 60
net.ipv6.conf.oob0.acept_ra = 0
EOF
out=$("$OOBD" -t -c "$CF" 2>"$T/err"); st=$?
is "$st" 0 "a sysctl key this kernel lacks: still valid (exit status 0)"
err=$(cat "$T/err")
like "$err" "^$CF:$(lineof 'ip_forwrd'): warning: sysctl 'net\.ipv4\.ip_forwrd': no such key in this kernel" \
	"a misspelt sysctl key: a warning on its line"
like "$err" "^$CF:$(lineof 'acept_ra'): warning: sysctl 'net\.ipv6\.conf\.oob0\.acept_ra': no such key" \
	"a misspelt key of the NIC's: a warning on its line"
is "$(printf '%s\n' "$err" | grep -c .)" 2 "no warning for keys the kernel has, the NIC's ones included"

# --- one problem at a time ---
cfg <<EOF
[interface]
match = eno2
[bogus]
key = value
EOF
tcheck "unknown section" "@[bogus]|unknown section [bogus]"

cfg <<EOF
[interface]
match = eno2
colour = red
EOF
tcheck "unknown key in [interface]" "@colour|unknown key 'colour' in [interface]"

cfg <<EOF
[namespace]
nmae = oob
[interface]
match = eno2
EOF
tcheck "unknown key in [namespace]" "@nmae|unknown key 'nmae' in [namespace]"

cfg <<EOF
[interface]
match = eno2
rename = oob0
rename = oob1
EOF
tcheck "duplicate key" "@oob1|key 'rename': duplicate (first at line $(lineof oob0))"

# '%d' in a name is a pattern to the kernel: renaming to oob%d gives oob0,
# oob1..., never oob%d, and the NIC's sysctls under that name do not exist.
ip link add pcta type veth peer name pctb && ip link set pcta name 'pct%d' &&
	! ip link show 'pct%d' >/dev/null 2>&1 && ip link show pct0 >/dev/null
ok $? "the kernel takes '%d' in a new name as a pattern"
ip link del pct0 2>/dev/null || ip link del pcta 2>/dev/null
cfg <<EOF
[interface]
match = eth%1
rename = oob%d
EOF
tcheck "'%' in interface names" \
	"@eth%1|key 'match': invalid interface name 'eth%1' (no '%': the kernel takes '%d' in a name as a pattern" \
	"@oob%d|key 'rename': invalid interface name 'oob%d' (no '%'"
cfg <<EOF
[interface]
kind = macvlan
parent = en%do1
EOF
tcheck "'%' in the parent's name" "@en%do1|key 'parent': invalid interface name 'en%do1' (no '%'"

cfg <<EOF
[interface]
match = eno2
address = 203.0.113.300/24
address = 203.0.113.11
address = 2001:db8::zz/64
EOF
tcheck "bad addresses" \
	"@.300/24|key 'address': '203.0.113.300/24' is not ADDRESS/PREFIXLEN" \
	"@203.0.113.11|key 'address': '203.0.113.11' is not ADDRESS/PREFIXLEN" \
	"@zz|key 'address': '2001:db8::zz/64' is not ADDRESS/PREFIXLEN"

cfg <<EOF
[interface]
match = eno2
address = 127.0.0.2/8
EOF
tcheck "loopback address" "@127.0.0.2|not a usable unicast address"

# A route to a loopback prefix: the kernel takes it, but its own loopback
# routes win, so nothing goes out of the NIC. A multicast prefix is a route
# like another.
cfg <<EOF
[interface]
match = eno2
address = 203.0.113.10/24
address = 2001:db8:10::10/64
route = 127.0.0.0/8
route = 127.1.2.0/24 via 203.0.113.1
route = ::1/128
route = 126.0.0.0/7 via 203.0.113.1
route = 224.0.0.0/4
route = ff00::/8
EOF
tcheck "loopback route prefixes" \
	"@127.0.0.0/8|key 'route': '127.0.0.0/8' is a loopback prefix (inside 127.0.0.0/8, or ::1/128)" \
	"@127.1.2.0/24|key 'route': '127.1.2.0/24' is a loopback prefix" \
	"@::1/128|key 'route': '::1/128' is a loopback prefix"

# '#' after a blank starts no comment (only ';' does): the value would
# hold it, and be written as it is (a sysctl the kernel takes half of, a
# command line with more words). Refused for every key, with one message.
cfg <<EOF
[namespace]
name = oob # the default
[interface]
match = eno2
address = 203.0.113.10/24 # the first
[dns]
search = example.org	# tab
[sysctl]
net.ipv4.ip_forward = 1 # on
net.ipv4.tcp_rmem = 4096 131072 6291456 #x
[service ntp]
exec = /bin/sleep 1000 # sleeps
[firewall]
ipv4 = $T/v4.rules # shipped
EOF
tcheck "'#' after a blank in a value" \
	"@name = oob|key 'name': '#' after a blank: a comment after a value starts with ';', not '#'" \
	"@address|key 'address': '#' after a blank: a comment after a value starts with ';', not '#'" \
	"@search|key 'search': '#' after a blank" \
	"@ip_forward|sysctl 'net.ipv4.ip_forward': '#' after a blank: a comment after a value starts with ';', not '#'" \
	"@tcp_rmem|sysctl 'net.ipv4.tcp_rmem': '#' after a blank" \
	"@/bin/sleep|key 'exec': '#' after a blank" \
	"@ipv4 =|key 'ipv4': '#' after a blank"

# IPv4-mapped IPv6 addresses (::ffff:a.b.c.d): the kernel takes them, but
# nothing goes out over IPv6 from or to one.
cfg <<EOF
[interface]
match = eno2
address = 2001:db8:10::10/64
address = ::ffff:203.0.113.5/128
gateway = ::ffff:203.0.113.1
route = ::ffff:198.51.100.0/120 via 2001:db8:10::1
route = ::ffff:0:0/96
route = 2001:db8:99::/48 via ::ffff:203.0.113.254
[dns]
nameserver = ::ffff:203.0.113.53
EOF
tcheck "IPv4-mapped IPv6 addresses" \
	"@::ffff:203.0.113.5/128|key 'address': '::ffff:203.0.113.5/128' is an IPv4-mapped IPv6 address (::ffff:0:0/96), which no link carries: write it as IPv4" \
	"@gateway|key 'gateway': '::ffff:203.0.113.1' is an IPv4-mapped IPv6 address" \
	"@::ffff:198.51.100.0/120|key 'route': '::ffff:198.51.100.0/120' is an IPv4-mapped IPv6 address" \
	"@::ffff:0:0/96|key 'route': '::ffff:0:0/96' is an IPv4-mapped IPv6 address" \
	"@2001:db8:99::/48|key 'route': '::ffff:203.0.113.254' is an IPv4-mapped IPv6 address" \
	"@nameserver|key 'nameserver': '::ffff:203.0.113.53' is an IPv4-mapped IPv6 address"

# A name server must be a unicast address: not unspecified, multicast or
# broadcast. Loopback is one: a resolver inside the namespace.
cfg <<EOF
[interface]
match = eno2
address = 203.0.113.10/24
address = 2001:db8:10::10/64
[dns]
nameserver = 0.0.0.0
nameserver = ::
nameserver = 224.0.0.1
EOF
tcheck "unspecified and multicast name servers" \
	"@0.0.0.0|key 'nameserver': '0.0.0.0' is not a usable unicast address" \
	"@= ::|key 'nameserver': '::' is not a usable unicast address" \
	"@224.0.0.1|key 'nameserver': '224.0.0.1' is not a usable unicast address"
cfg <<EOF
[interface]
match = eno2
address = 203.0.113.10/24
address = 2001:db8:10::10/64
[dns]
nameserver = ff02::1
nameserver = 255.255.255.255
EOF
tcheck "multicast and broadcast name servers" \
	"@ff02::1|key 'nameserver': 'ff02::1' is not a usable unicast address" \
	"@255.255.255.255|key 'nameserver': '255.255.255.255' is not a usable unicast address"
cfg <<EOF
[interface]
match = eno2
address = 203.0.113.10/24
address = 2001:db8:10::10/64
[dns]
nameserver = 127.0.0.53
nameserver = ::1
EOF
out=$("$OOBD" -t -c "$CF" 2>"$T/err"); st=$?
is "$st" 0 "loopback name servers: exit status 0"
is "$(cat "$T/err")" "" "loopback name servers: nothing on stderr"

# An IPv6 link-local name server needs the NIC's name inside as its zone
# (see core_dns_linklocal.t): unknown before the NIC is found when it is
# matched by MAC and not renamed.
cfg <<EOF
[interface]
match = mac:02:00:5e:00:53:01
address = 2001:db8:10::10/64
[dns]
nameserver = 2001:db8:10::53
nameserver = fe80::53
EOF
tcheck "a link-local name server, the NIC's name inside unknown" \
	"@fe80::53|key 'nameserver': the link-local fe80::53 needs the NIC's name inside the namespace as its zone, and a NIC matched by MAC keeps a name not known before: set 'rename'"

cfg <<EOF
[interface]
match = eno2
address = 203.0.113.10/24
address = 203.0.113.10/25
EOF
tcheck "duplicate address" "@/25|key 'address': duplicate address '203.0.113.10/25' (first at line $(lineof /24))"

cfg <<EOF
[interface]
match = eno2
address = 203.0.113.10/33
address = 2001:db8::10/129
EOF
tcheck "prefix length out of range" \
	"@/33|key 'address': prefix length of '203.0.113.10/33' out of range (0-32)" \
	"@/129|key 'address': prefix length of '2001:db8::10/129' out of range (0-128)"

# A /0 address: the kernel adds no on-link route for it, so nothing is
# reachable through it and a "default" on-link route would block the gateway.
cfg <<EOF
[interface]
match = eno2
address = 198.51.100.7/0
address = 2001:db8::10/0
EOF
tcheck "prefix length 0" \
	"@198.51.100.7/0|key 'address': prefix length 0 in '198.51.100.7/0': an address needs the prefix of its subnet" \
	"@2001:db8::10/0|key 'address': prefix length 0 in '2001:db8::10/0'"

cfg <<EOF
[interface]
match = eno2
address = 203.0.113.10/24
gateway = 2001:db8:10::1
EOF
tcheck "IPv6 gateway without an IPv6 address" "@2001:db8:10::1|key 'gateway': IPv6 gateway but no IPv6 address"

cfg <<EOF
[interface]
match = eno2
address = 2001:db8:10::10/64
gateway = 203.0.113.1
EOF
tcheck "IPv4 gateway without an IPv4 address" "@203.0.113.1|key 'gateway': IPv4 gateway but no IPv4 address"

cfg <<EOF
[interface]
match = eno2
address = 203.0.113.10/24
address = 2001:db8:10::10/64
gateway = 203.0.113.1
gateway = 2001:db8:10::1
gateway = 203.0.113.2
gateway = 2001:db8:10::2
EOF
tcheck "duplicated gateways" \
	"@gateway = 203.0.113.2|key 'gateway': second IPv4 gateway (first at line $(lineof 'gateway = 203.0.113.1');" \
	"@gateway = 2001:db8:10::2|key 'gateway': second IPv6 gateway (first at line $(lineof 'gateway = 2001:db8:10::1');"

cfg <<EOF
[interface]
match = eno2
address = 203.0.113.10/24
gateway = 203.0.113.10
EOF
# On the gateway's line: the rule is about the gateway.
tcheck "gateway is our own address" \
	"@gateway|key 'gateway': 203.0.113.10 is this host's own address (key 'address' at line $(lineof /24))"

# The same for a route via the host's own address: the kernel refuses it
# for IPv6 and, for IPv4, takes it and drops the traffic.
ip link add own0 type veth peer name own1 && ip addr add 2001:db8:10::10/64 dev own0 nodad && ip link set own0 up ||
	bail "cannot make a veth in the sandbox"
! ip route add 2001:db8:99::/48 via 2001:db8:10::10 dev own0 2>/dev/null
ok $? "the kernel refuses an IPv6 route via the host's own address"
ip link del own0
cfg <<EOF
[interface]
match = eno2
address = 203.0.113.10/24
address = 2001:db8:10::10/64
route = 198.51.100.0/24 via 203.0.113.10
route = 198.51.101.0/24 via 203.0.113.11
route = 2001:db8:99::/48 via 2001:db8:10::10
EOF
tcheck "route via our own address" \
	"@198.51.100.0/24|key 'route': gateway 203.0.113.10 is this host's own address (key 'address' at line $(lineof /24))" \
	"@2001:db8:99::/48|key 'route': gateway 2001:db8:10::10 is this host's own address (key 'address' at line $(lineof /64))"

cfg <<EOF
[interface]
match = eno2
address = 203.0.113.10/24
route = 198.51.100.0/24 through 203.0.113.254
route = 198.51.100.0/24 via
route = 198.51.100.1/24 via 203.0.113.254
route = 198.51.101.0/24 via 2001:db8::1
route = 198.51.102.0/24 via 203.0.113.254 dev x
route = default via 203.0.113.1
route = 198.51.103.0 via 203.0.113.254
route = 198.51.104.0/24 via 203.0.113.254
route = 198.51.104.0/24 via 203.0.113.253
route = 2001:db8:99::/48
EOF
tcheck "route syntax" \
	"@through|key 'route': expected 'PREFIX via ADDRESS' or 'PREFIX'" \
	"@198.51.100.0/24 via|key 'route': expected 'PREFIX via ADDRESS' or 'PREFIX'" \
	"@198.51.100.1/24|key 'route': '198.51.100.1/24' has host bits set beyond /24" \
	"@198.51.101.0|key 'route': gateway '2001:db8::1' is not of the family of '198.51.101.0/24'" \
	"@dev x|key 'route': expected 'PREFIX via ADDRESS' or 'PREFIX'" \
	"@default|key 'route': use 'gateway = ADDRESS' for the default route" \
	"@198.51.103.0|key 'route': '198.51.103.0' is not PREFIX/LEN" \
	"@.253|key 'route': duplicate route to 198.51.104.0/24 (first at line $(lineof '198.51.104.0/24 via 203.0.113.254'))" \
	"@2001:db8:99::/48|key 'route': no IPv6 address on the interface"

cfg <<EOF
[namespace]
name = oob
[interface]
address = 203.0.113.10/24
EOF
tcheck "missing match" "@[interface]|[interface]: missing 'match'"

cfg <<EOF
[interface]
kind = vlan
vlan = 100
address = 203.0.113.10/24
EOF
tcheck "vlan without parent" "@kind|kind = vlan needs 'parent'"

cfg <<EOF
[interface]
kind = vlan
parent = eno1
address = 203.0.113.10/24
EOF
tcheck "vlan without an id" "@kind|kind = vlan needs 'vlan'"

cfg <<EOF
[interface]
kind = macvlan
match = eno2
parent = eno1
vlan = 7
EOF
tcheck "macvlan with match and vlan" \
	"@match|key 'match': not used with kind = macvlan" \
	"@vlan = 7|key 'vlan': only for kind = vlan"

cfg <<EOF
[interface]
match = eno2
parent = eno1
EOF
tcheck "parent on a physical NIC" "@parent|key 'parent': only for kind = vlan or macvlan"

cfg <<EOF
[interface]
match = mac:01:00:5e:00:53:01
[sysctl]
kernel.panic = 1
EOF
tcheck "multicast MAC, non-net sysctl" \
	"@mac:|key 'match': '01:00:5e:00:53:01' is a multicast MAC address" \
	"@kernel|sysctl 'kernel.panic': only net.* keys"

# A malformed net.* key is reported as such, not as outside net.*.
cfg <<'EOF'
[interface]
match = eno2
[sysctl]
net.=1
net.ipv4..x=1
net.ipv4.x$=1
net.//.//.//.//.run.victim=1
net.ipv4./.x=1
EOF
tcheck "malformed sysctl keys" \
	"@net.=|sysctl 'net.': malformed key: empty component after the last dot" \
	"@net.ipv4..x|sysctl 'net.ipv4..x': malformed key: empty component between two dots" \
	"@net.ipv4.x\$|sysctl 'net.ipv4.x\$': malformed key: '\$' is not allowed" \
	"@net.//|sysctl 'net.//.//.//.//.run.victim': malformed key: a name of only '/' would be '.' or '..' in the path" \
	"@net.ipv4./.x|sysctl 'net.ipv4./.x': malformed key: a name of only '/' would be '.' or '..' in the path"

# Seconds are plain decimal numbers: strtod's other forms are refused.
cfg <<EOF
[interface]
match = eno2
[service a]
exec = /bin/sleep 1000
backoff_max = 0x10
backoff_reset = 1e3
[service b]
exec = /bin/sleep 1000
backoff_max = inf
backoff_reset = nan
[service c]
exec = /bin/sleep 1000
backoff_max = 0.05
backoff_reset = 0.5
EOF
tcheck "backoff seconds" \
	"@0x10|key 'backoff_max': '0x10' is not a number of seconds" \
	"@1e3|key 'backoff_reset': '1e3' is not a number of seconds" \
	"@inf|key 'backoff_max': 'inf' is not a number of seconds" \
	"@nan|key 'backoff_reset': 'nan' is not a number of seconds" \
	"@0.05|key 'backoff_max': 0.05 seconds is out of range (0.1-3600)"

# A [service] program must exist and be executable, as sshd's must.
mkdir -m 0755 "$T/progdir"
printf 'not a program\n' > "$T/notprog"
chmod 0644 "$T/notprog"
cfg <<EOF
[interface]
match = eno2
[service gone]
exec = /nonexistent/prog --flag
[service passwd]
exec = /etc/passwd
[service notprog]
exec = $T/notprog
[service dir]
exec = $T/progdir
[service fine]
exec = /bin/sleep 1000
EOF
tcheck "[service] programs that cannot run" \
	"@/nonexistent/prog|key 'exec': program of [service gone] /nonexistent/prog: No such file or directory" \
	"@/etc/passwd|key 'exec': program of [service passwd] /etc/passwd: Permission denied" \
	"@$T/notprog|key 'exec': program of [service notprog] $T/notprog: Permission denied" \
	"@$T/progdir|key 'exec': program of [service dir] $T/progdir: Is a directory"

# Without [interface], the rest of the file is still checked.
cfg <<EOF
[namespace]
name = oob
[service ntp]
backoff_max = 5
EOF
tcheck "missing [interface] and more" \
	"$(grep -c '' "$CF")|missing [interface] section" \
	"@[service ntp]|[service ntp]: missing 'exec'"

cfg <<EOF
match = eno2
[interface]
match = eno2
EOF
tcheck "key outside any section" "1|key outside of any section"

cat > "$CF" <<EOF
[interface]
match = eno2
[sshd]
exec = /nonexistent/sshd
config = /nonexistent/sshd_config
EOF
tcheck "missing sshd files" \
	"@exec|key 'exec': sshd program /nonexistent/sshd: No such file or directory" \
	"@config|key 'config': sshd config /nonexistent/sshd_config: No such file or directory"

# --- several problems in one run ---
cfg <<EOF
[namespace]
name = oob
[interface]
kind = vlan
vlan = 5000
address = 203.0.113.10/24
address = 203.0.113.10/24
gateway = 2001:db8:10::1
route = 198.51.100.0/24 via
[bogus]
EOF
tcheck "several problems" \
	"@5000|key 'vlan': '5000' is not a VLAN id (1-4094)" \
	"@kind|kind = vlan needs 'parent'" \
	"$(( $(lineof 203.0.113.10/24) + 1 ))|key 'address': duplicate address '203.0.113.10/24' (first at line $(lineof 203.0.113.10/24))" \
	"@2001:db8:10::1|key 'gateway': IPv6 gateway but no IPv6 address" \
	"@route|key 'route': expected 'PREFIX via ADDRESS' or 'PREFIX'" \
	"@[bogus]|unknown section [bogus]"

# --- what sshd itself says of its config (sshd -t) ---
# The host key the sshd config names does not exist yet (oobd makes it at
# start), nor does /run/sshd: a throw-away key stands in, in TMPDIR, and
# is removed again.
cfg <<EOF
[interface]
match = eno2
EOF
test ! -e "$T/ssh_host_ed25519_key" && test ! -e /run/sshd
ok $? "the sshd config's host key and /run/sshd do not exist yet"
mkdir -m 0700 "$T/tmp"
out=$(TMPDIR=$T/tmp "$OOBD" -t -c "$CF" 2>"$T/err"); st=$?
is "$st" 0 "sshd -t accepts the sshd config, with a stand-in host key: exit status 0"
is "$(cat "$T/err")" "" "... nothing on stderr"
is "$(ls -A "$T/tmp")" "" "... and the stand-in key is gone"
test ! -e "$T/ssh_host_ed25519_key" && test ! -e /run/sshd
ok $? "oobd -t made neither the host key nor /run/sshd"

cp "$T/sshd_config" "$T/sshd_config.good"
echo "ThisIsNotAnSshdOption yes" >> "$T/sshd_config"
echo "Port 99999" >> "$T/sshd_config"
bad=$(grep -n ThisIsNotAnSshdOption "$T/sshd_config" | cut -d: -f1)
out=$("$OOBD" -t -c "$CF" 2>"$T/err"); st=$?
is "$st" 1 "sshd -t rejects the sshd config: exit status 1"
like "$(cat "$T/err")" "^$T/sshd_config:$bad: Bad configuration option: ThisIsNotAnSshdOption$" \
	"... its FILE:LINE: and sshd's reason"
like "$(cat "$T/err")" "^$T/sshd_config:$((bad + 1)): Badly formatted port number\.$" "... for each problem"
like "$(cat "$T/err")" "^$CF: a start would still run it, with a fallback for each part refused above \(sshd's last-good or built-in config" \
	"... and that a start would still run the config, sshd with a fallback"
is "$(grep -c . "$T/err")" 3 "... and nothing else"
unlike "$out" "valid" "... not called valid"

# A problem in an included file is reported at its own FILE:LINE.
cp "$T/sshd_config.good" "$T/sshd_config"
mkdir -m 0700 "$T/sshd.d"
printf 'UseDNS no\nPermitRootLogin maybe\n' > "$T/sshd.d/10-bad.conf"
chmod 0600 "$T/sshd.d/10-bad.conf"
echo "Include $T/sshd.d/*.conf" >> "$T/sshd_config"
out=$("$OOBD" -t -c "$CF" 2>"$T/err"); st=$?
is "$st" 1 "sshd -t rejects an included file: exit status 1"
is "$(head -n 1 "$T/err")" "$T/sshd.d/10-bad.conf:2: unsupported option \"maybe\"." "... reported at the included file's line"
cp "$T/sshd_config.good" "$T/sshd_config"

# --- problems on no line: "FILE: ...", never "FILE:0: ..." ---
# The defaulted sshd config is named by the default's key, not a line. Any
# /etc/oobd of the host is hidden (in the sandbox's own mount namespace).
[ -d /etc/oobd ] && mount -t tmpfs -o mode=0755 tmpfs /etc/oobd
printf '[interface]\nmatch = eno2\n' > "$CF"
tcheck "defaulted sshd config missing" \
	"-|sshd config /etc/oobd/sshd_config (the default of key 'config'): No such file or directory"

# --- files that cannot be read ---
out=$("$OOBD" -t -c /nonexistent/oobd.conf 2>"$T/err"); st=$?
is "$st" 1 "missing file: exit status 1"
is "$(cat "$T/err")" "/nonexistent/oobd.conf: cannot read config: No such file or directory" \
	"missing file: FILE: and the reason"

mkdir -m 0755 /run/cfgpub
cp "$CF" /run/cfgpub/oobd.conf
chmod 0600 /run/cfgpub/oobd.conf
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$OOBD" -t -c /run/cfgpub/oobd.conf 2>"$T/err"); st=$?
is "$st" 1 "unreadable file: exit status 1"
is "$(cat "$T/err")" "/run/cfgpub/oobd.conf: cannot read config: Permission denied" \
	"unreadable file: FILE: and the reason"

out=$("$OOBD" -t -c /run/cfgpub 2>"$T/err"); st=$?
is "$st" 1 "a directory: exit status 1"
like "$(cat "$T/err")" "^/run/cfgpub: cannot read config: " "a directory: FILE: and the reason"

# --- usage errors say what was wrong ---
out=$("$OOBD" -t --down 2>&1); st=$?
is "$st" 2 "oobd -t --down: usage error (2)"
like "$out" "^oobd: --test and --down cannot be given together" "... and says why"
out=$("$OOBD" /etc/oobd/oobd.conf 2>&1); st=$?
is "$st" 2 "oobd with a bare argument: usage error (2)"
like "$out" "^oobd: unexpected argument \"/etc/oobd/oobd.conf\" \(the config is given with -c FILE\)" \
	"... and says how the config is given"

done_testing

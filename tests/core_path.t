# SPDX-License-Identifier: GPL-2.0-or-later
# The whole out-of-band path, once: a NIC matched by name and renamed, IPv4
# and IPv6 addresses, both gateways and extra routes (protocol 176), sysctls
# inside only, the resolv.conf overlay, ssh with a key over both families
# (and no password), the helpers from both sides, and no fd of oobd's in
# what it spawns.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"

make_nic
make_keys
write_sshd_config

# sshd is started through a wrapper that records the fds it inherited.
cat > "$T/sshd-wrapper.sh" <<EOF
#!/bin/sh
ls -l /proc/self/fd > "$T/sshd-fds.txt" 2>&1
exec /usr/sbin/sshd "\$@"
EOF
chmod 755 "$T/sshd-wrapper.sh"

# A marker link only the main namespace has.
ip link add mainmark0 type veth peer name mainmark1

resolv_main_before=$(cat /etc/resolv.conf)
forward_main_before=$(cat /proc/sys/net/ipv4/ip_forward)

cat > "$T/oobd.conf" <<EOF
[namespace]
name = oob

[interface]
match = $NIC
rename = oob0
mtu = 1400
address = $OOB4/24
address = $OOB6/64
gateway = $ADM4
gateway = $ADM6
route = 198.51.100.0/24 via 203.0.113.254
route = 2001:db8:99::/48 via 2001:db8:10::fe

[dns]
nameserver = 203.0.113.53
nameserver = 2001:db8:10::53
search = mgmt.example.net

[sysctl]
net.ipv4.ip_forward = $((1 - forward_main_before))

[sshd]
exec = $T/sshd-wrapper.sh
config = $T/sshd_config
EOF

start_oobd "$T/oobd.conf"
wait_until 15 ssh_banner "$OOB4"
ok $? "sshd answers on $OOB4 in namespace oob" || bail "oobd did not come up"

# --- the NIC ---
ip link show "$NIC" >/dev/null 2>&1
ok $(( ! $? )) "$NIC is gone from the main namespace"
unlike "$(ip -o link)" "$NIC_MAC" "no link in the main namespace has the NIC's MAC"
link=$(ip -n oob -o link show oob0 2>&1)
like "$link" "link/ether $NIC_MAC" "the NIC is oob0 inside, with its MAC"
like "$link" "[<,]UP[,>]" "oob0 is up"
like "$link" " mtu 1400 " "oob0 has the configured MTU"
like "$(ip netns exec oob ip -o link 2>&1)" "oob0" "ip netns exec oob ip link sees oob0"

# --- addresses and routes ---
a4=$(ip -n oob -4 -o addr show dev oob0)
like "$a4" "inet $OOB4/24 " "IPv4 address on oob0"
a6=$(ip -n oob -6 -o addr show dev oob0 scope global)
like "$a6" "inet6 $OOB6/64 " "IPv6 address on oob0"
r4=$(ip -n oob -4 route show proto 176)
like "$r4" "^default via $ADM4 dev oob0" "IPv4 default route via $ADM4, protocol 176"
like "$r4" "198.51.100.0/24 via 203.0.113.254 dev oob0" "extra IPv4 route, protocol 176"
r6=$(ip -n oob -6 route show proto 176)
like "$r6" "default via $ADM6 dev oob0" "IPv6 default route via $ADM6, protocol 176"
like "$r6" "2001:db8:99::/48 via 2001:db8:10::fe dev oob0" "extra IPv6 route, protocol 176"
unlike "$(ip -4 route; ip -6 route)" "203.0.113|198.51.100|2001:db8" "the main namespace got no route of oob's"

# --- sysctls ---
is "$(ip netns exec oob sysctl -n net.ipv4.ip_forward)" "$((1 - forward_main_before))" \
	"net.ipv4.ip_forward set inside the namespace"
is "$(cat /proc/sys/net/ipv4/ip_forward)" "$forward_main_before" "net.ipv4.ip_forward unchanged outside"
is "$(ip netns exec oob sysctl -n net.ipv6.conf.oob0.accept_ra)" 0 "accept_ra is 0 on oob0"
is "$("$NSENTER_OOB" cat /proc/sys/net/ipv6/conf/oob0/accept_ra)" 0 "accept_ra is 0 on oob0 (via nsenter-oob)"
is "$(ip netns exec oob sysctl -n net.ipv4.conf.oob0.accept_redirects)" 0 "IPv4 redirects off on oob0"

# --- ssh ---
out=$(oob_ssh "$OOB4" 'echo hello-$(id -u)' 2>&1)
is "$out" "hello-0" "ssh over IPv4 with a key"
wait_until 10 oob_ssh "$OOB6" true
ok $? "ssh over IPv6 with a key (after DAD)"
out=$(oob_ssh "$OOB6" 'ip -o link' 2>&1)
like "$out" "oob0" "the IPv6 session runs in namespace oob"

out=$(ip netns exec admin ssh -F /dev/null -v -o UserKnownHostsFile="$T/known_hosts" \
	-o StrictHostKeyChecking=accept-new -o BatchMode=yes -o ConnectTimeout=5 \
	-o PubkeyAuthentication=no -o PreferredAuthentications=password,keyboard-interactive \
	"root@$OOB4" true 2>&1)
st=$?
ok $(( st == 0 )) "login without a key is refused (exit $st)"
methods=$(printf '%s\n' "$out" | sed -n 's/.*Authentications that can continue: //p' | tr -d '\r' | sort -u)
is "$methods" "publickey" "the server offers publickey only"

# --- DNS overlay ---
out=$(oob_ssh "$OOB4" cat /etc/resolv.conf 2>&1)
like "$out" "^nameserver 203.0.113.53$" "the session's resolv.conf has the oob nameserver"
like "$out" "nameserver 2001:db8:10::53" "... and the IPv6 one"
like "$out" "search mgmt.example.net" "... and the search list"
is "$(cat /etc/resolv.conf)" "$resolv_main_before" "the main resolv.conf is unchanged"
is "$(oob_ssh "$OOB4" "$NSENTER_MAIN" cat /etc/resolv.conf 2>&1)" "$resolv_main_before" \
	"nsenter-main from the session reads the main resolv.conf"

# --- helpers, both ways ---
out=$(oob_ssh "$OOB4" "$NSENTER_MAIN" ip -o link 2>&1)
like "$out" "mainmark0" "nsenter-main from the session sees the main namespace's links"
unlike "$out" "oob0" "... and not oob's"
oob_ssh "$OOB4" ip link show mainmark0 >/dev/null 2>&1
ok $(( ! $? )) "the session itself does not see mainmark0"
like "$("$NSENTER_OOB" ip -o link 2>&1)" "oob0" "nsenter-oob from main sees oob0"
like "$("$NSENTER_OOB" ls /sys/class/net 2>&1)" "oob0" "nsenter-oob has the namespace's /sys"
like "$("$NSENTER_OOB" cat /etc/resolv.conf 2>&1)" "nameserver 203.0.113.53" "nsenter-oob sees the resolv.conf overlay"

# --- what the spawned program inherited ---
fds=$(sed -n 's/^[^ ]* .* \([0-9][0-9]*\) -> \(.*\)$/\1 \2/p' "$T/sshd-fds.txt")
[ -n "$fds" ]
ok $? "the wrapper listed its fds" || sed 's/^/#   /' "$T/sshd-fds.txt"
extra=$(printf '%s\n' "$fds" | awk '$1 > 2 && $2 !~ "^/proc/[0-9]+/fd$"')
is "$extra" "" "only fds 0-2 (and the listing's own) are open in the spawned program"
like "$(printf '%s\n' "$fds" | awk '$1 == 0 {print $2}')" "^/dev/null$" "its stdin is /dev/null"

stop_oobd
done_testing

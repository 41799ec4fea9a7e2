#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The shell recipe oobd replaces ("Real out of band connectivity with network
# namespaces", Marco d'Itri), parameterised so that it reaches the same end
# state as oobd for a given config. It is the baseline of the benchmarks:
# one command per step, through "ip netns exec", as the recipe is written.
#
#   recipe.sh [all|nic]
#
#   all (default)  namespace, NIC, sysctls, MTU, addresses, link up,
#                  gateways, routes, resolv.conf, firewall, then sshd
#   nic            only the NIC part, into an existing namespace (what a
#                  hotplug hook would run when the NIC comes back)
#
# Parameters (environment):
#   NS          namespace name (oob)
#   NIC         the NIC's name in the main namespace (required)
#   RENAME      its name inside the namespace (optional)
#   MTU         MTU (optional)
#   ADDRS       addresses, "203.0.113.10/24 2001:db8:10::10/64"
#   GW4 GW6     default gateways (optional)
#   ROUTES      a file of "PREFIX via ADDR" or "PREFIX" lines (optional)
#   NAMESERVERS SEARCH   resolv.conf contents (optional)
#   SYSCTLS     extra "key=value" settings, space-separated (optional)
#   FW4 FW6     iptables-restore files (optional)
#   SSHD_CONFIG start "sshd -f SSHD_CONFIG" in the namespace (optional)
#   SSHD        the sshd binary (/usr/sbin/sshd)
set -eu

mode=${1:-all}
NS=${NS:-oob}
DEV=${RENAME:-$NIC}
in_ns() { ip netns exec "$NS" "$@"; }

if [ "$mode" = all ]; then
	ip netns add "$NS"
	in_ns ip link set lo up
fi

# Move (and rename) the NIC in one step.
if [ -n "${RENAME:-}" ]; then
	ip link set "$NIC" netns "$NS" name "$RENAME"
else
	ip link set "$NIC" netns "$NS"
fi

# The same hardening oobd applies (no router advertisements, no redirects),
# then the config's own sysctls: one sysctl call.
sysctls="net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0 net.ipv6.conf.$DEV.accept_ra=0"
sysctls="$sysctls net.ipv4.conf.all.accept_redirects=0 net.ipv4.conf.default.accept_redirects=0"
sysctls="$sysctls net.ipv4.conf.$DEV.accept_redirects=0 net.ipv6.conf.all.accept_redirects=0"
sysctls="$sysctls net.ipv6.conf.default.accept_redirects=0 net.ipv6.conf.$DEV.accept_redirects=0"
# shellcheck disable=SC2086
in_ns sysctl -q -w $sysctls ${SYSCTLS:-}

if [ -n "${MTU:-}" ]; then in_ns ip link set "$DEV" mtu "$MTU"; fi
for a in ${ADDRS:-}; do
	in_ns ip addr add "$a" dev "$DEV"
done
in_ns ip link set "$DEV" up
if [ -n "${GW4:-}" ]; then in_ns ip route add default via "$GW4" dev "$DEV" proto 176; fi
if [ -n "${GW6:-}" ]; then in_ns ip -6 route add default via "$GW6" dev "$DEV" proto 176; fi
if [ -n "${ROUTES:-}" ]; then
	while read -r prefix via gw; do
		[ -n "$prefix" ] || continue
		if [ "${via:-}" = via ]; then
			in_ns ip route add "$prefix" via "$gw" dev "$DEV" proto 176
		else
			in_ns ip route add "$prefix" dev "$DEV" proto 176
		fi
	done < "$ROUTES"
fi

[ "$mode" = all ] || exit 0

if [ -n "${NAMESERVERS:-}" ]; then
	mkdir -p "/etc/netns/$NS"
	{
		for n in $NAMESERVERS; do echo "nameserver $n"; done
		if [ -n "${SEARCH:-}" ]; then echo "search $SEARCH"; fi
	} > "/etc/netns/$NS/resolv.conf"
fi
if [ -n "${FW4:-}" ]; then in_ns iptables-legacy-restore < "$FW4"; fi
if [ -n "${FW6:-}" ]; then in_ns ip6tables-legacy-restore < "$FW6"; fi
if [ -n "${SSHD_CONFIG:-}" ]; then
	mkdir -p /run/sshd /run/oobd
	in_ns "${SSHD:-/usr/sbin/sshd}" -f "$SSHD_CONFIG" -o PidFile=/run/oobd/sshd.pid
fi
exit 0

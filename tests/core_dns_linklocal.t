#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# An IPv6 link-local name server is on the NIC's link: the resolver can
# reach it only with the link named as its zone. oobd writes it as
# fe80::53%oob0 (the NIC's name inside), and a real lookup through glibc's
# resolver in the namespace gets its answer from a name server on the
# admin side, over the link-local address. The other name servers are
# written as they are.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"
command -v getent >/dev/null || skip_all "needs getent (libc-bin)"
RESOLV=/etc/netns/oob/resolv.conf

path_up "address = $OOB6/64 nodad" '[dns]' 'nameserver = fe80::53' 'nameserver = 203.0.113.53' \
	'nameserver = 2001:db8:10::53'
ip -n admin addr add fe80::53/64 dev adm0 nodad
# A name server on the admin side, on fe80::53%adm0 only: every A query
# gets 198.51.100.77, anything else an empty answer.
ip netns exec admin python3 -c '
import socket, struct
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.bind(("fe80::53", 53, 0, socket.if_nametoindex("adm0")))
while True:
    q, peer = s.recvfrom(512)
    end = 12
    while q[end]:
        end += q[end] + 1
    qtype = struct.unpack(">H", q[end + 1:end + 3])[0]
    ans = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) + bytes([198, 51, 100, 77]) if qtype == 1 else b""
    s.sendto(q[:2] + struct.pack(">HHHHH", 0x8180, 1, 1 if ans else 0, 0, 0) + q[12:end + 5] + ans, peer)
' >>"$T/dns.log" 2>&1 &
listening() { ip netns exec admin ss -Hnlu | grep -qF '[fe80::53]%adm0:53 '; }
wait_until 10 listening || bail "the name server did not start"

is "$(grep '^nameserver' "$RESOLV")" "nameserver fe80::53%oob0
nameserver 203.0.113.53
nameserver 2001:db8:10::53" "the link-local name server has the NIC's name as its zone, the others none"

# The resolver asks the first name server first: the link-local one. (The
# kernel makes oob0's own link-local address, the query's source, a moment
# after the link is up.)
lookup() { "$NSENTER_OOB" getent ahostsv4 oob-test.example | grep -q '^198\.51\.100\.77 '; }
check "a lookup in the namespace is answered by the link-local name server" -- wait_until 15 lookup
is "$(cat "$T/dns.log")" "" "the name server had nothing to complain about"

stop_oobd
done_testing

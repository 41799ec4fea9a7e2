# SPDX-License-Identifier: GPL-2.0-or-later
# 10,000 routes go to the kernel in one pipelined batch, and exactly two of
# them are refused by the kernel (a gateway that is not on-link: the config
# validator cannot know, the kernel answers ENETUNREACH): one inside a send,
# which the kernel answers only because it fails, and the last one, which
# also asks for the acknowledgement that ends the batch. oobd must name those
# routes alone, install every other one, and lose no answer on the way (no
# ENOBUFS, no "lost" ack, the summary adds up).
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"

N=10000
BAD=7777 # well inside a later window of requests, not the first or last
BAD_ROUTE="198.19.255.0/24 via 198.51.100.77"
LAST=$((N - 1)) # the last request of the batch
LAST_ROUTE="198.19.254.0/24 via 198.51.100.78"

make_nic
make_keys
write_sshd_config
# Routes i = 0..N-1: /29 blocks of 198.18.0.0/15 (RFC 2544's benchmark
# range) via the admin end, but for number BAD.
routes() {
	awk -v n="$N" -v bad="$BAD" -v badroute="$BAD_ROUTE" -v last="$LAST" -v lastroute="$LAST_ROUTE" 'BEGIN {
		for (i = 0; i < n; i++) {
			if (i == bad) { print "route = " badroute; continue }
			if (i == last) { print "route = " lastroute; continue }
			o = i * 8
			printf "route = 198.%d.%d.%d/29 via 203.0.113.1\n", 18 + int(o / 65536), int(o / 256) % 256, o % 256
		}
	}'
}
write_config "$T/oobd.conf" <<EOF
[interface]
match = mac:$NIC_MAC
rename = oob0
address = $OOB4/24
$(routes)
EOF

"$OOBD" -t -c "$T/oobd.conf" >/dev/null 2>&1
ok $? "the config with $N routes and the bad ones is valid"

start_oobd "$T/oobd.conf"
wait_until 120 grep -q 'routes in namespace' "$T/oobd.log"
ok $? "oobd reports on the route batch" || bail "no route summary in the log"
# One snapshot for all that follows, up to the last complete batch (its
# summary comes after its errors).
log=$(awk '{ l[NR] = $0 } /routes in namespace/ { last = NR } END { for (i = 1; i <= last; i++) print l[i] }' \
	"$T/oobd.log")

summaries=$(printf '%s\n' "$log" | grep 'routes in namespace')
like "$(printf '%s\n' "$summaries" | head -n1)" 'routes in namespace "oob": 10000 changed, 2 failed' \
	"the first batch: $N sent, exactly 2 failed"
# Later reconciles (link events queued during start-up) retry the refused
# routes alone; each must again report exactly those two.
unlike "$summaries" ' [013-9][0-9]* failed| 2[0-9]+ failed' "no batch reports more or fewer than 2 failures"
errs=$(printf '%s\n' "$log" | grep '^<[0-3]>' | grep -i 'route')
ok $(( $(printf '%s\n' "$errs" | grep -c .) == 2 * $(printf '%s\n' "$summaries" | grep -c .) ? 0 : 1 )) \
	"two route errors logged per batch"
unlike "$(printf '%s\n' "$errs" | grep -v -e '198\.19\.255\.0/24 via 198\.51\.100\.77' -e '198\.19\.254\.0/24 via 198\.51\.100\.78')" . \
	"every route error names a refused route, and only those"
is "$(printf '%s\n' "$errs" | grep -c '198\.19\.254\.0/24')" "$(printf '%s\n' "$summaries" | grep -c .)" \
	"the last request's refusal is reported in every batch"
like "$errs" "unreachable|invalid gateway" "the error gives the kernel's reason"
unlike "$log" "No buffer space|ENOBUFS|lost" "no acknowledgement was lost"

is "$(ip -n oob route show proto 176 | wc -l)" $((N - 2)) "every other route is in place"
is "$(ip -n oob route show 198.19.255.0/24 | wc -l)" 0 "the refused route is not"
is "$(ip -n oob route show 198.19.254.0/24 | wc -l)" 0 "nor is the refused last one"
like "$(ip -n oob route show 198.18.0.0/29)" "via 203.0.113.1 dev oob0" "the first route is in place"
last=$(( (N - 2) * 8 ))
like "$(ip -n oob route show "198.$((18 + last / 65536)).$((last / 256 % 256)).$((last % 256))/29")" \
	"via 203.0.113.1 dev oob0" "the last good route is in place"
kill -0 "$OOBD_PID" 2>/dev/null
ok $? "oobd is still running"

stop_oobd
done_testing

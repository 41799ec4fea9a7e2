# SPDX-License-Identifier: GPL-2.0-or-later
# What oobd runs for a moment (sshd -t on a reload, sshd -T, ssh-keygen,
# the restore tools) gets the same hygiene as what it supervises: a session
# of its own and oom_score_adj 0, whatever oobd itself has (oobd is started
# here with 500, which needs no privilege).
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"

OOBCTL=$BUILD/oobctl
make_nic
make_keys
write_sshd_config
# The sshd program: a wrapper that notes how each run of it was started.
mkdir -m 0700 /run/w
cat > /run/w/sshd <<'EOF'
#!/bin/sh
echo "args=[$*] oom=$(cat /proc/$$/oom_score_adj) sid=$(ps -o sid= -p $$ | tr -d ' ')" >> /run/w/log
exec /usr/sbin/sshd "$@"
EOF
chmod 0700 /run/w/sshd
write_nic_config "$T/oobd.conf"
sed -i "/^\[sshd\]/a exec = /run/w/sshd" "$T/oobd.conf"

(echo 500 > /proc/self/oom_score_adj && exec "$OOBD" -c "$T/oobd.conf") >>"$T/oobd.log" 2>&1 &
OOBD_PID=$!
wait_until 15 ssh_banner "$OOB4"
ok $? "oobd is up: sshd answers" || bail "oobd did not come up"
oobd_sid=$(ps -o sid= -p "$OOBD_PID" | tr -d ' ')

# A changed sshd config: the reload runs sshd -t through the wrapper.
echo "MaxAuthTries 5" >> "$T/sshd_config"
"$OOBCTL" reload >/dev/null 2>&1
is "$?" 0 "oobctl reload of a changed sshd config"
t_run=$(grep -F -- 'args=[-t ' /run/w/log | tail -n 1)
like "$t_run" "oom=0 " "sshd -t runs with oom_score_adj 0" || diag "$(cat /run/w/log)"
t_sid=$(printf '%s' "$t_run" | sed -n 's/.* sid=\([0-9]*\)$/\1/p')
ok $(( t_sid != oobd_sid && t_sid != 0 ? 0 : 1 )) "sshd -t runs in a session of its own (sid $t_sid, oobd's $oobd_sid)"
l_run=$(grep -F -- 'args=[-D ' /run/w/log | tail -n 1)
like "$l_run" "oom=0 " "the listener runs with oom_score_adj 0" || diag "$(cat /run/w/log)"

stop_oobd
done_testing

/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OOBD_FIREWALL_H
#define OOBD_FIREWALL_H

#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"

/*
 * The oob namespace's own packet filter (docs/firewall.md). The [firewall]
 * files, in iptables-restore format, are applied inside the namespace (each
 * table atomically): through libiptc / libip6tc when oobd reads all of the
 * file itself (iptrestore.h), else with iptables-legacy-restore /
 * ip6tables-legacy-restore; then they are read back. When a file cannot be applied on
 * a first start, or none is configured, a built-in ruleset is committed
 * through libiptc instead; on a reload a failed file keeps what is in place.
 * Everything runs with the namespace as the network namespace: the main
 * namespace's tables are never read or written.
 */

enum fw_family { FW_IPV4, FW_IPV6, FW__NFAMILIES };

#define FIREWALL_MAX_PORTS 16

/* What the built-in ruleset lets in besides lo, replies, ping and (IPv6)
 * neighbour discovery. */
struct firewall_allow {
	unsigned ssh_ports[FIREWALL_MAX_PORTS];   /* of the sshd config that runs */
	int n_ssh_ports;
	bool dhcp4, dhcp6;                        /* dynamic addressing: DHCP replies */
};

enum fw_source {
	FW_SOURCE_NONE,      /* nothing of ours (not applied yet, or no IPv6 in the kernel) */
	FW_SOURCE_FILE,      /* the configured file */
	FW_SOURCE_FALLBACK,  /* the built-in ruleset */
};

/* What is in place for one family, for logs and status reports. */
struct firewall_family_state {
	enum fw_source source;
	char path[PATH_MAX];         /* FILE: the file applied */
	char hash[17];               /* FILE: FNV-1a 64 (over words) of the content applied, hex */
	char applied_by[32];         /* FILE: "oobd" (read and committed by oobd itself) or the restore tool */
	char handover[300];          /* FILE, by the restore tool: where and why oobd's own reading stopped */
	long long since;             /* unix time it was put in place */
	char why[512];               /* FALLBACK: why the built-in ruleset is in place */
	char last_error[512];        /* the last attempt that failed and kept the ruleset in place */
	/* FILE: the fingerprint of the family's tables in the kernel right
	 * after the file was applied (0: unknown). A reload with the same file
	 * finding the same fingerprint leaves the rules (and their counters)
	 * alone; one that finds them changed by hand applies the file again. */
	unsigned long long kernel_hash;
};

struct firewall_state {
	struct firewall_family_state fam[FW__NFAMILIES];
	struct firewall_allow allow; /* what the last apply was asked to let in */
	unsigned long long ns_dev, ns_ino;  /* the namespace it describes */
};

/*
 * Put both families' rulesets in place inside the namespace NSFD. For each
 * family: the configured file if it applies and verifies; else, when a file
 * of ours is already in place (a reload), keep it; else the built-in
 * ruleset, said loudly. Returns 0 when every family has rules in place,
 * -errno when even the built-in ruleset could not be committed. ST starts
 * zeroed and is carried from one call to the next; a namespace other than
 * the one it describes (made anew after "oobctl down") starts afresh.
 */
int firewall_apply(const struct firewall_cfg *cfg, int nsfd, const struct firewall_allow *allow,
		   struct firewall_state *st);

/*
 * firewall_apply() in two halves. firewall_begin() reads the files, commits
 * those oobd reads itself and starts the others' restores (both families
 * side by side) and returns;
 * the caller may do other work meanwhile, but not bring a link up.
 * WHICH (FW_FAMILY bits) says which families to update: the others are
 * left as they are (all of them in a namespace ST does not describe yet).
 * firewall_finish() joins them, verifies, falls back where needed (ALLOW is
 * needed only then), frees RUN and returns what firewall_apply() returns.
 * Every begun run must be finished before the event loop runs again.
 */
#define FW_FAMILY(f) (1u << (f))
#define FW_ALL_FAMILIES (FW_FAMILY(FW_IPV4) | FW_FAMILY(FW_IPV6))
struct firewall_run;
struct firewall_run *firewall_begin(const struct firewall_cfg *cfg, int nsfd, unsigned which,
				    struct firewall_state *st);
int firewall_finish(struct firewall_run *run, const struct firewall_allow *allow, struct firewall_state *st);

/* What "oobd -t" follows a new connection through (fw_syn_check): to each
 * of PORTS (sshd's), arriving on IFACE (NULL when the NIC's name inside the
 * namespace is not known before it is moved), for the families the config
 * gives the NIC an address of. */
struct fw_sshd_reach {
	const char *iface;
	unsigned ports[FIREWALL_MAX_PORTS];
	int n_ports;
	bool family[2];              /* by enum fw_family */
};

/*
 * For "oobd -t": check each configured file with "iptables-legacy-restore
 * --test" in a throw-away network namespace. Problems go to ERRS as
 * "FILE:LINE: reason" (a missing file as "CONF:LINE: key ..."); a file that
 * cannot be checked here (no tools, not root) is a warning, not a problem.
 * As root, a file that passes is also committed in that namespace and read
 * back: when it would drop every new connection to sshd (REACH, may be
 * NULL), that is a warning on the line that names the file.
 * Returns the number of problems.
 */
int firewall_test_files(const char *conf_path, const struct firewall_cfg *cfg, const struct fw_sshd_reach *reach,
			FILE *errs);

/* Does the built-in ruleset built for IN let in everything OUT asks for? */
bool firewall_allow_covers(const struct firewall_allow *in, const struct firewall_allow *out);

const char *firewall_family_name(enum fw_family f);        /* "IPv4" */
const char *firewall_source_name(enum fw_source s);        /* "file", "built-in", "none" */

/* ---- The parts below touch no kernel; exposed for tests. ---- */

/* One rule of the built-in ruleset, as plain data. */
struct fw_rule {
	const char *chain;           /* "INPUT" */
	char iniface[IFNAMSIZ];      /* "" for any */
	uint8_t proto;               /* 0 for any; IPPROTO_TCP, _UDP, _ICMP, _ICMPV6 */
	uint16_t dport;              /* TCP/UDP destination port; 0 for any */
	int icmp_type;               /* ICMP/ICMPv6 type; -1 for any */
	unsigned state;              /* conntrack states (XT_CONNTRACK_STATE_BIT mask); 0: no conntrack match */
	const char *target;          /* "ACCEPT" or "DROP" */
};

#define FW_FALLBACK_MAX_RULES (10 + FIREWALL_MAX_PORTS)

/* The built-in ruleset's rules for family F, in order. Returns the count. */
int firewall_fallback_rules(enum fw_family f, const struct firewall_allow *allow,
			    struct fw_rule out[FW_FALLBACK_MAX_RULES]);
/* Its policy for the built-in CHAIN of the filter table ("DROP"), or NULL. */
const char *firewall_fallback_policy(const char *chain);

/* Encode R as the kernel's ipt_entry (IPv4) or ip6t_entry (IPv6): header,
 * matches, standard target, as libiptc takes it. Returns the entry's size,
 * -ENOSPC if LEN < FW_ENTRY_MAX, or -EINVAL for a rule it cannot express. */
#define FW_ENTRY_MAX 512
int firewall_entry_build(enum fw_family f, const struct fw_rule *r, void *buf, size_t len);

/* A table or chain an iptables-restore file declares. */
struct fw_decl {
	char table[32];
	char chain[32];              /* "" for the "*table" line itself */
	char policy[32];             /* built-in chains: ACCEPT/DROP; user chains: "-" */
	int line;
};
/* The tables ("*t"), chains (":c p", -N), and policies (-P) of the
 * iptables-restore text DATA, as in effect at its end (-X and a repeated
 * "*t" drop earlier declarations). *OUT is malloc'ed. 0 or -errno. */
int firewall_decls_parse(const char *data, struct fw_decl **out, size_t *n);

/* Turn the complaint OUTPUT of iptables-restore about PATH (whose text is
 * DATA, or NULL) into "PATH:LINE: reason" in BUF. Returns LINE, or 0 when
 * the complaint names no line ("PATH: reason"). */
int firewall_restore_error(const char *path, const char *data, const char *output, char *buf, size_t len);

/* One rule of the filter table's INPUT chain, for status reports. */
struct fw_rule_counter {
	int num;                     /* 1-based position */
	char desc[160];              /* "-i lo", "-p tcp [tcp] dpt:22", ... */
	char target[32];
	unsigned long long packets, bytes;
};

/* A new TCP connection to PORT arriving on IFACE from an address oobd
 * cannot know (its SYN, which the connection tracker calls NEW), followed
 * through the chains it crosses on its way in (raw and mangle PREROUTING,
 * nat PREROUTING, mangle, filter, security and nat INPUT) and the chains they
 * jump to; and sshd's answer to it (the SYN-ACK, ESTABLISHED in the reply
 * direction) through those on its way out (raw, mangle, filter and
 * security OUTPUT, mangle POSTROUTING). SHUT (REPLY_SHUT) only when every
 * such packet is surely dropped or rejected: a rule that depends on the
 * source address, or a match or target oobd does not read, that could let
 * it through, is taken as letting it through. */
struct fw_syn_check {
	const char *iface;           /* the NIC's name inside the namespace */
	unsigned port;
	bool shut;                   /* out */
	/* out, when shut: "INPUT rule 3 (-p tcp -j DROP)", "the INPUT policy
	 * DROP", "raw PREROUTING rule 1 (-j DROP)" (a table other than filter
	 * is named) */
	char by[256];
	/* out: sshd's answer to it (the SYN-ACK, ESTABLISHED in the reply
	 * direction, leaving by IFACE) is surely dropped on its way out, and
	 * by what */
	bool reply_shut;
	char reply_by[256];
};

/* The line that says family F's firewall drops every new connection of
 * the N checks CHK (made by firewall_input_counters) arriving on NIC (NULL:
 * "the NIC"), or (REPLY) every answer of sshd to one, naming what drops
 * it, into LINE: "IPv4 firewall: no new connection to sshd (port 22) gets
 * in on oob0: the INPUT policy DROP drops it". False when some may pass (or
 * there was no check). */
bool firewall_shut_line(enum fw_family f, const char *nic, const struct fw_syn_check *chk, size_t n, bool reply,
			char *line, size_t len);

/* The INPUT rules of family F's filter table inside NSFD, with their
 * counters, read straight from the kernel; and each of the N_CHK checks of
 * CHK (may be 0) on the tables read with it. *OUT is malloc'ed; OUT NULL:
 * the checks only (no rule is described: thousands cost milliseconds).
 * 0 or -errno. */
int firewall_input_counters(int nsfd, enum fw_family f, struct fw_syn_check *chk, size_t n_chk,
			    struct fw_rule_counter **out, size_t *n);

/* While ON, each read of a family's tables in the namespace (an apply's
 * read-back, the look that finds them unchanged) keeps those the checks
 * cross, the latest read; the next checks-only firewall_input_counters() of
 * that family takes them instead of reading them again (a reload's warning
 * right after its apply: a 5,000-rule table takes milliseconds to read).
 * Either way frees what is kept. */
void firewall_keep_tables(bool on);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OOBD_CONFIG_H
#define OOBD_CONFIG_H

#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>

#include "addr.h"

/*
 * The desired state, as the INI file states it. config_load() parses and
 * validates everything; nothing here touches the system.
 */

#define OOBD_DEFAULT_CONFIG "/etc/oobd/oobd.conf"
#define OOBD_DEFAULT_NETNS "oob"
#define OOBD_DEFAULT_SSHD "/usr/sbin/sshd"
#define OOBD_DEFAULT_SSHD_CONFIG "/etc/oobd/sshd_config"
#define OOBD_DEFAULT_CHILD_NAME "oob0"

/* Bounds on what a config may hold (a config is small; a huge one is a mistake). */
#define CONFIG_MAX_BYTES (1 << 20)
#define CONFIG_MAX_ADDRESSES 1024
#define CONFIG_MAX_ROUTES 16384
#define CONFIG_MAX_SYSCTLS 256
#define CONFIG_MAX_NAMESERVERS 3
#define CONFIG_MAX_LINE 4096

enum nic_kind { NIC_PHYSICAL, NIC_VLAN, NIC_MACVLAN };
enum nic_match { MATCH_NONE, MATCH_NAME, MATCH_MAC };

struct route_cfg {
	struct prefix dst;
	bool has_via;
	struct ipaddr via;
	int line;
};

struct addr_cfg {
	struct prefix pfx;
	bool nodad;                  /* IPv6: skip duplicate address detection */
	int line;
};

struct sysctl_cfg {
	char *key;      /* dotted, "net.ipv4.ip_forward" */
	char *value;
	int line;
};

struct iface_cfg {
	enum nic_match match;
	char match_name[IFNAMSIZ];
	unsigned char match_mac[6];
	char rename[IFNAMSIZ];
	enum nic_kind kind;
	char parent[IFNAMSIZ];
	unsigned vlan_id;
	unsigned mtu;                /* 0: leave as is */
	struct addr_cfg *addrs;
	size_t n_addrs;
	bool has_gw4, has_gw6;
	struct ipaddr gw4, gw6;
	int gw4_line, gw6_line;      /* of each 'gateway' key; 0 without */
	struct route_cfg *routes;
	size_t n_routes;
	int line;                    /* of the [interface] header */
};

struct dns_cfg {
	bool present;
	struct ipaddr ns[CONFIG_MAX_NAMESERVERS];
	int ns_line[CONFIG_MAX_NAMESERVERS];
	size_t n_ns;
	char zone[IFNAMSIZ];         /* of IPv6 link-local ones: the NIC's name inside; "" if none is */
	char *search;                /* space-separated, or NULL */
};

/* Restart policy of a supervised child (see service.h). */
struct backoff_cfg {
	unsigned max_ms;             /* cap of the delay between restarts */
	unsigned reset_ms;           /* up this long: the next death restarts at once */
};

struct sshd_cfg {
	char *exec;
	char *config;
	int exec_line, config_line;  /* 0 when defaulted */
	struct backoff_cfg backoff;
};

#define CONFIG_MAX_SERVICES 32
#define CONFIG_MAX_ARGS 256
#define SERVICE_NAME_MAX 32

/* A [service NAME] section: a small daemon run in the namespace. */
struct service_cfg {
	char name[SERVICE_NAME_MAX + 1];
	char **argv;                 /* "exec" split into words, NULL-terminated */
	char *exec_line_text;        /* "exec" as written, for messages and diffs */
	struct backoff_cfg backoff;
	int line;
	int exec_line;               /* 0 when 'exec' is missing */
};

struct firewall_cfg {
	bool present;                /* a [firewall] section was given */
	char *ipv4, *ipv6;           /* iptables-restore files, or NULL */
	int ipv4_line, ipv6_line;
};

struct config {
	char *path;
	char netns[256];
	struct iface_cfg iface;
	struct dns_cfg dns;
	struct sysctl_cfg *sysctls;
	size_t n_sysctls;
	struct sshd_cfg sshd;
	struct firewall_cfg firewall;
	struct service_cfg *services;
	size_t n_services;
};

/*
 * Parse and validate PATH. Every problem is printed to ERRS as
 * "PATH:LINE: message" ("PATH: message" for one on no line, such as a file
 * that cannot be read); returns 0 when the config is usable, or the number
 * of problems found (the config is then freed and *out untouched).
 */
int config_load(const char *path, FILE *errs, struct config **out);
/* The same, and with a usable config the file's content it was parsed
 * from (malloc'ed, NUL-terminated) in *DATA and *LEN: what to keep as the
 * last config that worked, whatever the file holds by then. */
int config_load_keep(const char *path, FILE *errs, struct config **out, char **data, size_t *len);
/* The same, from a buffer (used by tests and the fuzzer). */
int config_load_buffer(const char *name, const char *data, size_t len, FILE *errs, struct config **out);
void config_free(struct config *c);

/* Checks against the filesystem (read-only): the programs and files the
 * config names exist, are usable and only root can change them (filecheck.h).
 * Reports like config_load. With STRICT (oobd -t, a reload), each of those
 * is a problem; else (a start) only a warning, so that a start-up never
 * fails for what only one part needs: that part falls back or waits (sshd
 * to the last-good or built-in config, or until its program can run; a
 * [service] until its program can run; the firewall to its built-in
 * ruleset), and each one checks its file again when it uses it. With
 * SSHD_NERR, how many of the problems are sshd's (its program, its config
 * and the files it names) is stored there. */
int config_check_files(const struct config *c, FILE *errs, bool strict, int *sshd_nerr);

/*
 * Where a message about the config at PATH points, for "%s: message":
 * "PATH:LINE" for LINE of the file, and plain "PATH" for what is on no line
 * (LINE 0: the file as a whole, or a key left to its default; the file has
 * no line 0). With KEY (may be NULL), ": key 'KEY'" follows when the file
 * sets it; a defaulted key is not in the file, so nothing follows, and the
 * message should say "(the default of key 'KEY')" beside the value it
 * names. Every "FILE:LINE" about the config goes through here. Returns BUF
 * (SIZE bytes; CONFIG_WHERE_MAX holds any path with a key name, else the
 * text is cut).
 */
#define CONFIG_WHERE_MAX (PATH_MAX + 64)
const char *config_where(const char *path, int line, const char *key, char *buf, size_t size);

/* Whether [interface] gives the NIC an IPv6 address, gateway or route. */
bool config_wants_ipv6(const struct config *c);

/* The interface's name inside the namespace, when it is known up front. */
const char *config_nic_name_in_ns(const struct config *c);

/*
 * Split S into words the way the config documents for "exec": blanks
 * separate words; 'single quotes' keep everything literally; "double
 * quotes" keep blanks, and in them a backslash escapes " and \ only;
 * outside quotes a backslash escapes the next character. No variables, no
 * globbing, no shell. Returns a NULL-terminated malloc'ed vector, or NULL
 * with the reason in ERR.
 */
char **config_split_words(const char *s, char *err, size_t errlen);
void config_free_words(char **argv);
bool config_words_equal(char *const *a, char *const *b);

/* Shared validators, also used by the helpers. */
bool netns_name_valid(const char *name);
bool ifname_valid(const char *name);

#endif

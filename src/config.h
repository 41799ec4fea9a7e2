/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OOBD_CONFIG_H
#define OOBD_CONFIG_H

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
	struct route_cfg *routes;
	size_t n_routes;
	int line;                    /* of the [interface] header */
};

struct dns_cfg {
	bool present;
	struct ipaddr ns[CONFIG_MAX_NAMESERVERS];
	size_t n_ns;
	char *search;                /* space-separated, or NULL */
};

struct sshd_cfg {
	char *exec;
	char *config;
	int exec_line, config_line;  /* 0 when defaulted */
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
};

/*
 * Parse and validate PATH. Every problem is printed to ERRS as
 * "PATH:LINE: message"; returns 0 when the config is usable, or the number
 * of problems found (the config is then freed and *out untouched).
 */
int config_load(const char *path, FILE *errs, struct config **out);
/* The same, from a buffer (used by tests and the fuzzer). */
int config_load_buffer(const char *name, const char *data, size_t len, FILE *errs, struct config **out);
void config_free(struct config *c);

/* Checks against the filesystem (read-only): the programs and files the
 * config names exist and are usable. Reports like config_load. */
int config_check_files(const struct config *c, FILE *errs);

/* The interface's name inside the namespace, when it is known up front. */
const char *config_nic_name_in_ns(const struct config *c);

/* Shared validators, also used by the helpers. */
bool netns_name_valid(const char *name);
bool ifname_valid(const char *name);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer harness: the config parser and validator, and the pure
 * functions that turn a parsed config into what oobd writes (the
 * resolv.conf overlay, sysctl paths). Everything is freed, so a leak is a
 * finding too.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "dns.h"
#include "sysctl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	struct config *c = NULL;
	char buf[4096];

	if (!devnull) {
		devnull = fopen("/dev/null", "w");
		if (!devnull)
			abort();
	}
	/* Every message is formatted, as it would be for a human. */
	if (config_load_buffer("fuzz.conf", (const char *)data, size, devnull, &c) != 0)
		return 0;
	(void)config_nic_name_in_ns(c);
	if (c->dns.present && dns_render(&c->dns, buf, sizeof(buf)) < 0)
		abort(); /* the bounds on [dns] must keep it within one page */
	for (size_t i = 0; i < c->n_sysctls; i++)
		if (sysctl_path(c->sysctls[i].key, buf, 512) < 0)
			abort(); /* sysctl_write_in uses a 512-byte path */
	config_free(c);
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer harness: what oobd parses of a [firewall] rule file (the
 * tables, chains and policies it must find in the kernel afterwards) and of
 * iptables-restore's complaints about one (turned into FILE:LINE: reason).
 * The input is the rule file, then a NUL byte, then restore's output.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "firewall.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t rules_len = nul ? (size_t)(nul - data) : size;
	size_t out_len = nul ? size - rules_len - 1 : 0;
	char *rules = xcalloc(1, rules_len + 1), *output = xcalloc(1, out_len + 1);
	struct fw_decl *decls = NULL;
	size_t n = 0;
	char buf[1024];

	memcpy(rules, data, rules_len);
	if (nul)
		memcpy(output, nul + 1, out_len);
	if (firewall_decls_parse(rules, &decls, &n) == 0) {
		for (size_t i = 0; i < n; i++)
			if (!memchr(decls[i].table, '\0', sizeof(decls[i].table)) ||
			    !memchr(decls[i].chain, '\0', sizeof(decls[i].chain)) ||
			    !memchr(decls[i].policy, '\0', sizeof(decls[i].policy)))
				abort();
		free(decls);
	}
	(void)firewall_restore_error("fuzz.rules", rules, nul ? output : NULL, buf, sizeof(buf));
	if (!memchr(buf, '\0', sizeof(buf)))
		abort();
	free(rules);
	free(output);
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * xthash: the fingerprint oobd takes of legacy x_tables tables, for the
 * integration tests.
 *
 *   xthash 4|6 TABLE...
 *
 * For each TABLE of the IPv4 (4) or IPv6 (6) x_tables, in the calling
 * process's network namespace, prints "TABLE HASH N_ENTRIES": the table's
 * hash (src/xtables.h: the entries with their counters left out, and the
 * hook offsets), as 16 hex digits, and how many entries the kernel reports
 * (policies, RETURN and ERROR entries included). Two namespaces whose
 * tables print the same lines hold the very same rules, in the same order,
 * whatever their packet counts. Run it in a namespace with
 * "ip netns exec NS xthash ...".
 *
 * Mind that reading a table the kernel knows (filter, nat, mangle, raw,
 * security) instantiates it, empty, where it did not exist yet.
 *
 * Exit status: 0; 1 when a table cannot be read (the reason on stderr,
 * after the lines of the tables read before it); 2 for a usage error.
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "xtables.h"

static int usage(void)
{
	fprintf(stderr, "usage: xthash 4|6 TABLE...\n");
	return 2;
}

int main(int argc, char **argv)
{
	int family;

	if (argc < 3)
		return usage();
	if (strcmp(argv[1], "4") == 0)
		family = AF_INET;
	else if (strcmp(argv[1], "6") == 0)
		family = AF_INET6;
	else
		return usage();

	for (int i = 2; i < argc; i++) {
		struct xt_table_view v;
		int r = xt_table_read(family, argv[i], &v);

		if (r < 0) {
			fflush(stdout);
			fprintf(stderr, "xthash: IPv%s table %s: %s\n", argv[1], argv[i], strerror(-r));
			return 1;
		}
		printf("%s %016llx %u\n", argv[i], v.hash, v.n_entries);
		xt_table_view_free(&v);
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("xthash: stdout");
		return 1;
	}
	return 0;
}

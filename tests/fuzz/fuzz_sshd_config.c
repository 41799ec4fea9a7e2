/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer harness: an sshd config read as sshd reads it (sshd_config.c).
 * The input is the config, in a scratch directory that also holds a few
 * files to include (one that includes another, one under a Match); '/' is
 * taken out of the input, so its Include patterns stay in that directory
 * (a pattern that matches everything there, the input itself included,
 * nests up to the depth and file limits). Every loaded config is hashed,
 * searched (the directories its Include patterns look in, too) and copied
 * as the last-good copy is; the copy, read back, must
 * have the same fingerprint. Everything is freed: a leak is a finding too.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sshd_config.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[] = "/tmp/oobd-fuzz-sshdconf-XXXXXX";
static char out[] = "/tmp/oobd-fuzz-sshdconf-copy-XXXXXX";

static void put(const char *name, const char *text)
{
	char p[128];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	if (write_file_atomic(p, text, strlen(text), 0600) < 0)
		abort();
}

static void cleanup(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", dir, out);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s and %s\n", dir, out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	struct sshd_conf_file *f = NULL, *copy = NULL;
	const struct sshd_conf_line **lines_all = NULL;
	char path[128], dest[128], why[512], **v = NULL;
	const char **files = NULL;
	char *text;

	if (!ready) {
		if (!mkdtemp(dir) || !mkdtemp(out))
			abort();
		atexit(cleanup);
		put("a.conf", "Port 2222\nInclude b.conf\nHostKey \"/k/a key\"\n");
		put("b.conf", "HostKey /k/b\nMatch user x\nAuthorizedKeysFile /k/x\n");
		ready = true;
	}
	if (size > 65536)
		return 0;
	text = malloc(size + 1);
	if (!text)
		abort();
	for (size_t i = 0; i < size; i++)
		text[i] = data[i] == '/' ? '_' : (char)data[i];
	snprintf(path, sizeof(path), "%s/input", dir);
	if (write_file_atomic(path, text, size, 0600) < 0)
		abort();
	free(text);

	if (sshd_conf_load(path, dir, &f, why, sizeof(why)) < 0)
		return 0;
	unsigned long long h = sshd_conf_hash(f);
	sshd_conf_values(f, "HostKey", false, &v);
	strv_free(v);
	/* The first line that counts holds the words the first-only values
	 * give. */
	int nv = sshd_conf_values(f, "AuthorizedKeysFile", true, &v);
	const struct sshd_conf_line *first = sshd_conf_first(f, "AuthorizedKeysFile", NULL);
	if (first ? first->nargs != nv : nv != 0)
		abort();
	for (int i = 0; first && i < nv; i++)
		if (strcmp(first->args[i], v[i]) != 0)
			abort();
	strv_free(v);
	/* The lines some connection could take hold the first that counts
	 * for every one, and no more than all the lines. */
	const struct sshd_conf_line **lines;
	int nl = sshd_conf_lines(f, "AuthorizedKeysFile", true, &lines), k = 0;
	while (first && k < nl && lines[k] != first)
		k++;
	if (lines[nl] || (first && k == nl) || nl > sshd_conf_lines(f, "AuthorizedKeysFile", false, &lines_all))
		abort();
	free(lines);
	free(lines_all);
	if (sshd_conf_files(f, &files) < 1 || strcmp(files[0], path) != 0)
		abort();
	free(files);
	/* Where its Include patterns look: absolute directories only. */
	sshd_conf_include_dirs(f, &v);
	for (size_t i = 0; v && v[i]; i++)
		if (v[i][0] != '/')
			abort();
	strv_free(v);
	snprintf(dest, sizeof(dest), "%s/last-good", out);
	if (sshd_conf_snapshot(f, dest) == 0) {
		if (sshd_conf_load(dest, dir, &copy, why, sizeof(why)) < 0)
			abort(); /* a copy that cannot be read back */
		if (sshd_conf_hash(copy) != h)
			abort(); /* a copy that sshd would read differently */
		sshd_conf_free(copy);
	}
	sshd_conf_free(f);
	return 0;
}

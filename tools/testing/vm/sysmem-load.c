// SPDX-License-Identifier: GPL-2.0
/*
 * sysmem-load: load or unload a kernel module file with libkmod.
 *
 *   sysmem-load PATH.ko [PARAM=VALUE ...]   insert the module file
 *   sysmem-load -r NAME                      remove a module by name
 *
 * The VM runner's init uses it to load sysmem.ko; it needs no
 * /lib/modules tree and no depmod.
 */
#include <errno.h>
#include <libkmod.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int usage(void)
{
	fprintf(stderr, "usage: sysmem-load PATH.ko [PARAM=VALUE ...]\n"
			"       sysmem-load -r NAME\n");
	return 2;
}

/* Join argv[first..] with spaces into one module parameter string. */
static char *join_params(int argc, char **argv, int first)
{
	size_t len = 1;
	char *s;
	int i;

	for (i = first; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = calloc(1, len);
	if (!s)
		return NULL;
	for (i = first; i < argc; i++) {
		if (i > first)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

int main(int argc, char **argv)
{
	struct kmod_module *mod = NULL;
	struct kmod_ctx *ctx;
	char *params = NULL;
	int remove, err;

	if (argc < 2)
		return usage();
	remove = !strcmp(argv[1], "-r");
	if (remove && argc != 3)
		return usage();

	ctx = kmod_new(NULL, NULL);
	if (!ctx) {
		fprintf(stderr, "sysmem-load: kmod_new failed\n");
		return 1;
	}

	if (remove) {
		err = kmod_module_new_from_name(ctx, argv[2], &mod);
		if (!err)
			err = kmod_module_remove_module(mod, 0);
	} else {
		params = join_params(argc, argv, 2);
		err = params ? kmod_module_new_from_path(ctx, argv[1], &mod)
			     : -ENOMEM;
		if (!err)
			err = kmod_module_insert_module(mod, 0, params);
	}
	if (err)
		fprintf(stderr, "sysmem-load: %s %s: %s\n",
			remove ? "remove" : "insert", argv[remove ? 2 : 1],
			strerror(-err));

	free(params);
	kmod_module_unref(mod);
	kmod_unref(ctx);
	return err ? 1 : 0;
}

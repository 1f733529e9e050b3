// SPDX-License-Identifier: GPL-2.0
/*
 * sysmem: command-line inspection of the sysmem module.
 *
 *   sysmem info     module state, device node and ABI version
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "libsysmem.h"

static int cmd_info(void)
{
	struct sysmem_version v;
	char line[256];
	struct stat st;
	int fd, ret;
	FILE *f;

	printf("sysmem module:    ");
	f = fopen("/proc/modules", "r");
	ret = -ENOENT;
	while (f && fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "sysmem ", 7)) {
			line[strcspn(line, "\n")] = 0;
			printf("loaded (%s)\n", line);
			ret = 0;
			break;
		}
	}
	if (f)
		fclose(f);
	if (ret)
		printf("not in /proc/modules (built in, or not loaded)\n");

	if (stat(SYSMEM_DEV_PATH, &st)) {
		printf("device node:      %s: %s\n", SYSMEM_DEV_PATH,
		       strerror(errno));
		return 1;
	}
	printf("device node:      %s, char %u:%u, mode %04o\n", SYSMEM_DEV_PATH,
	       major(st.st_rdev), minor(st.st_rdev), st.st_mode & 07777);

	fd = sysmem_open();
	if (fd < 0) {
		printf("open:             %s\n", strerror(-fd));
		return 1;
	}
	ret = sysmem_get_version(fd, &v);
	if (ret < 0) {
		printf("ABI version:      %s\n", strerror(-ret));
		close(fd);
		return 1;
	}
	printf("ABI version:      %u.%u (this tool was built for %u.%u: %s)\n",
	       v.major, v.minor, SYSMEM_ABI_MAJOR, SYSMEM_ABI_MINOR,
	       sysmem_check_version(fd) ? "incompatible" : "compatible");
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "info"))
		return cmd_info();
	fprintf(stderr, "usage: %s info\n", argv[0]);
	return 2;
}

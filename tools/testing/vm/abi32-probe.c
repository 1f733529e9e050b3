// SPDX-License-Identifier: GPL-2.0
/*
 * abi32-probe: built with -m32 and linked statically, the VM's
 * run-selftests.sh runs it once before the 32-bit selftests.  It exits
 * 0 only when it runs as a 32-bit process on a 64-bit kernel; a kernel
 * that cannot execute 32-bit binaries (no CONFIG_IA32_EMULATION, or
 * ia32_emulation=0) fails to start it at all.
 */
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

int main(void)
{
	struct utsname u;

	if (uname(&u)) {
		perror("abi32-probe: uname");
		return 1;
	}
	printf("# abi32-probe: a %zu-bit process on a %s kernel\n",
	       8 * sizeof(void *), u.machine);
	return sizeof(void *) == 4 && !strcmp(u.machine, "x86_64") ? 0 : 1;
}

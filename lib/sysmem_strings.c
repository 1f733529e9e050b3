// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Human-readable names of sysmem ABI values.
 */
#include "sysmem_strings.h"
#include "sysmem_constraints.h"

/**
 * sysmem_fail_str() - describe a collection failure reason
 * @reason: SYSMEM_FAIL_*
 *
 * Return: a static string; "unknown reason" for values this code does
 * not know.
 */
const char *sysmem_fail_str(u32 reason)
{
	switch (reason) {
	case SYSMEM_FAIL_NONE:
		return "no failure";
	case SYSMEM_FAIL_CONSTRAINTS:
		return "constraints intersection empty";
	case SYSMEM_FAIL_NO_MEMORY:
		return "no memory";
	case SYSMEM_FAIL_NO_HEAP:
		return "no heap satisfies the constraints";
	case SYSMEM_FAIL_PARTICIPANT_LOST:
		return "a participant closed without release";
	case SYSMEM_FAIL_TOO_MANY_GROUPS:
		return "too many group child combinations";
	case SYSMEM_FAIL_NOT_CHOSEN:
		return "not chosen by its group";
	}
	return "unknown reason";
}

// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Logical allocation for attached subtrees.
 *
 * A subtree attached with SYSMEM_IOC_ATTACH_TOKEN gets no buffers of its
 * own: it shares the collection's.  It fits when each of its
 * participants admits the buffers as allocated (lib/sysmem_admit.c) and
 * the buffer slots left free by the participants still holding slots
 * cover its camping and slack.  Nothing is re-negotiated: what the
 * collection would choose today with the subtree in it does not matter.
 */
#include "sysmem_admit.h"
#include "sysmem_logical.h"

/**
 * sysmem_logical_count() - count the buffer slots participants hold
 * @parts: the participants
 * @nr_parts: their number
 * @held: in: slots counted so far; out: with @parts' camping and
 *	dedicated slack added
 * @shared_slack: in: the largest shared slack so far; out: raised to
 *	@parts' largest
 */
void sysmem_logical_count(const struct sysmem_participant *parts,
			  unsigned int nr_parts, u64 *held, u32 *shared_slack)
{
	unsigned int i;

	for (i = 0; i < nr_parts; i++) {
		*held += parts[i].c->min_buffer_count_for_camping;
		*held += parts[i].c->min_buffer_count_for_dedicated_slack;
		if (parts[i].c->min_buffer_count_for_shared_slack > *shared_slack)
			*shared_slack =
				parts[i].c->min_buffer_count_for_shared_slack;
	}
}

/**
 * sysmem_logical_allocate() - can a subtree share the allocated buffers?
 * @parts: the subtree's participants
 * @nr_parts: their number
 * @base: the collection's settings and the slots held in it
 * @why: on failure, a static string naming what does not fit
 *
 * Each participant must admit the settings (sysmem_admit_buffers()):
 * the buffer count within its min and max, the size, coherency domain,
 * contiguity, secure flag and heap, and with image constraints the
 * chosen image.  Then the slots: @base->held plus the subtree's camping
 * and dedicated slack plus the larger of @base->shared_slack and the
 * subtree's shared slack must not exceed the buffers allocated.  Usage
 * is not compared: a new use of the same memory changes nothing
 * allocated.
 *
 * Return: SYSMEM_FAIL_NONE, or SYSMEM_FAIL_CONSTRAINTS.
 */
u32 sysmem_logical_allocate(const struct sysmem_participant *parts,
			    unsigned int nr_parts,
			    const struct sysmem_logical_base *base,
			    const char **why)
{
	u32 shared = base->shared_slack;
	u64 need = base->held;
	const char *msg;
	unsigned int i;

	for (i = 0; i < nr_parts; i++) {
		msg = sysmem_admit_buffers(&parts[i], base->settings);
		if (msg)
			goto fail;
	}
	sysmem_logical_count(parts, nr_parts, &need, &shared);
	need += shared;
	if (need > base->settings->buffer_count) {
		msg = "not enough free buffer slots for the subtree's camping and slack";
		goto fail;
	}
	return SYSMEM_FAIL_NONE;

fail:
	if (why)
		*why = msg;
	return SYSMEM_FAIL_CONSTRAINTS;
}

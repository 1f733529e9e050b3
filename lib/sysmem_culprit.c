// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The culprit of a failed aggregation, found in one pass.
 *
 * Definition (unchanged): the first participant k whose prefix
 * parts[0..k] aggregates to the same reason and why as all of them.
 * Running sysmem_aggregate() on every prefix finds it, at a cost
 * quadratic in the number of participants.  Here the participants are
 * folded one at a time into a struct sysmem_agg, and each prefix's
 * outcome is decided as cheaply as it can be:
 *
 * - The checks before the image rules (usage, counts, size, domains:
 *   sysmem_agg_check()) and the heap choice (sysmem_agg_heap()) depend
 *   only on the accumulator: constant work per prefix (the heap choice
 *   is linear in the registered heaps, not in the participants).
 *
 * - The image rules choose among candidates and report the most
 *   informative reason any candidate died; neither is a fold, so a
 *   prefix that reaches them can fail for a reason that no longer
 *   holds, or no longer fails, once more participants join.  Such a
 *   prefix is decided as follows.
 *   * When the target reason is NO_HEAP: if the prefix's heap choice
 *     gives another outcome, the prefix cannot match whatever its
 *     images do; if it fails as the whole does, the prefix is
 *     aggregated in full, which names it unless its image rules fail.
 *   * When the target reason is CONSTRAINTS: if a probe
 *     (sysmem_image_probe_*()) shows that a candidate format chosen for
 *     an earlier prefix still survives this one, and the walk of rule
 *     3.1 reaches that candidate (its format and modifier are named as
 *     rule 3.1 requires) within the work limit of rule 3.11
 *     (sysmem_image_census_bounded()), the image rules succeed for the
 *     prefix.  The checks after them cannot fail: a chosen LINEAR
 *     format has an image_size above 0 and at most max_size_bytes
 *     (rule 3.5, else the candidate dies), a vendor modifier needs
 *     min_size_bytes above 0 (rule 3.6), and the buffer-level size
 *     passed sysmem_agg_check().  So the prefix ends in its heap
 *     choice, success or NO_HEAP, and does not match.  The probe folds
 *     each participant once (constant work, unless an accepting entry
 *     has required sizes, which rule 3.4 looks at again).
 *     Otherwise the prefix is aggregated in full (sysmem_agg_finish()
 *     on a copy of the accumulator), and when its image rules chose a
 *     format, the probe restarts on that one.
 *
 * The last prefix is all the participants, whose outcome the caller
 * passes in: it is never aggregated again.
 *
 * A full aggregation therefore happens for the first prefix with image
 * constraints, for a prefix whose heap outcome already matches a
 * NO_HEAP target (normally the culprit itself), and wherever the probed
 * candidate died: on the culprit of an image failure, or where a later
 * participant moved the choice to another format.  Participants that
 * keep agreeing on one format cost a fold each.  The worst case (the
 * chosen format changing at every participant) is no worse than the
 * prefix scan it replaces.
 */
#include "sysmem_culprit.h"

/* True when the probe proves that the image rules succeed for @s->run. */
static bool sysmem_culprit_probe(struct sysmem_culprit_scratch *s)
{
	const struct sysmem_image_probe *pr = &s->probe;
	const struct sysmem_image_census *cs = &s->census;

	if (!s->probing || pr->dead)
		return false;
	/* Rule 3.1: the walk reaches the candidate. */
	if (!pr->f_named && cs->fmt_named)
		return false;
	if (!pr->m_named &&
	    (cs->mod_pairs || pr->m != SYSMEM_MODIFIER_LINEAR))
		return false;
	if (!sysmem_image_census_bounded(cs))
		return false;
	return sysmem_image_probe_survives(&s->probe, s->run.parts,
					   s->run.nr_parts, s->run.size,
					   s->run.max_size);
}

/* Follow the format @s->tmp chose, from the first participant on. */
static void sysmem_culprit_restart(struct sysmem_culprit_scratch *s)
{
	unsigned int i;

	s->probing = true;
	sysmem_image_probe_start(&s->probe, s->tmp.image_format,
				 s->tmp.image_modifier);
	for (i = 0; i < s->run.nr_parts; i++)
		sysmem_image_probe_add(&s->probe, &s->run.parts[i]);
}

/**
 * sysmem_aggregate_culprit() - the participant to blame for a failure
 * @parts: the participants, as given to sysmem_aggregate()
 * @nr_parts: number of entries at @parts
 * @first: the first index that may be blamed (the ones before it are
 *	folded but never named)
 * @heaps: the registered heaps, as given to sysmem_aggregate()
 * @nr_heaps: number of entries at @heaps
 * @reason: what sysmem_aggregate() returned for all @nr_parts (the
 *	last prefix is not aggregated again)
 * @why: the why it gave
 * @scratch: working space
 *
 * The first k >= @first for which sysmem_aggregate() of @parts[0..k]
 * returns @reason and @why (compared as pointers), found in one pass;
 * see the comment at the top of this file.
 *
 * Return: k, or -1 when no prefix fails that way (or @reason is
 * SYSMEM_FAIL_NONE).
 */
int sysmem_aggregate_culprit(const struct sysmem_participant *parts,
			     unsigned int nr_parts, unsigned int first,
			     const struct sysmem_heap_desc *heaps,
			     unsigned int nr_heaps, u32 reason,
			     const char *why,
			     struct sysmem_culprit_scratch *scratch)
{
	struct sysmem_culprit_scratch *s = scratch;
	struct sysmem_image_census zero = { 0 };
	unsigned int k;
	const char *w;
	u32 r;

	if (!parts || reason == SYSMEM_FAIL_NONE)
		return -1;
	sysmem_agg_init(&s->run, parts, heaps, nr_heaps);
	s->census = zero;
	s->probing = false;
	for (k = 0; k < nr_parts; k++) {
		sysmem_agg_add(&s->run);
		sysmem_image_census_add(&s->census, &parts[k]);
		if (s->probing)
			sysmem_image_probe_add(&s->probe, &parts[k]);
		if (k < first)
			continue;

		r = sysmem_agg_check(&s->run, &w);
		if (r) {
			if (r == reason && w == why)
				return k;
			continue;
		}
		if (!s->run.images) {
			if (sysmem_agg_heap(&s->run, NULL, &w) == reason &&
			    w == why)
				return k;
			continue;
		}

		/*
		 * The prefix reaches the image rules.  For a heap failure it
		 * matches when its heap choice fails the same way, unless
		 * its image rules fail first: aggregated in full below (and
		 * normally the answer).  For a constraints failure, a
		 * prefix whose image rules succeed ends in the heap choice
		 * and cannot match.
		 */
		if (reason == SYSMEM_FAIL_NO_HEAP) {
			if (sysmem_agg_heap(&s->run, NULL, &w) != reason ||
			    w != why)
				continue;
		} else if (sysmem_culprit_probe(s)) {
			continue;
		}
		/* The whole is known: its outcome is @reason and @why. */
		if (k == nr_parts - 1)
			return k;
		s->tmp = s->run;
		w = NULL;
		if (sysmem_agg_finish(&s->tmp, &s->out, &w) == reason &&
		    w == why)
			return k;
		if (s->tmp.image_chosen)
			sysmem_culprit_restart(s);
	}
	return -1;
}

/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The byte layout that sysmem_constraints_fuzz decodes and gen_seeds
 * encodes.  Every structure is copied byte for byte from the input, in
 * host byte order, so the fuzzer controls every field; an input that ends
 * early reads as zeros from there on.
 *
 *   u8 header                  participants = (header & 7) + 1 (1 to 8);
 *                              bits 3-7 are ignored
 *   then for each participant:
 *     struct sysmem_buffer_constraints      80 bytes, raw
 *     u8 ctl                   bits 0-2: heap names = value % 5 (0 to 4)
 *                              bits 3-5: image entries = value % 5 (0 to 4)
 *                              bit 6: keep the raw heaps / image_formats
 *                                     user-pointer fields of the input
 *                                     (else: the addresses of the decoded
 *                                     arrays, 0 when there are none)
 *                              bit 7: keep the raw heap_count when
 *                                     HAS_PERMITTED_HEAPS is clear (the
 *                                     library must then ignore it)
 *     heap names, each:  u8 sel; sel < 0x80: SYSMEM_FUZZ_HEAP_DICT[sel % 8]
 *                        else 32 raw bytes follow (unterminated names too)
 *     image entries, each: struct sysmem_image_constraints, 944 bytes, raw
 *
 * heap_count and image_format_count are always overwritten with the
 * number of entries decoded (except for bit 7), so the library is never
 * handed a count larger than the array behind it; the flags, including
 * HAS_PERMITTED_HEAPS, are the fuzzer's, so a heap list without the flag,
 * or the flag without a list, are fuzzed on purpose.
 */
#ifndef _SYSMEM_FUZZ_INPUT_H
#define _SYSMEM_FUZZ_INPUT_H

#define SYSMEM_FUZZ_MAX_PARTS		8
#define SYSMEM_FUZZ_MAX_HEAP_NAMES	4
#define SYSMEM_FUZZ_MAX_IMAGES		4

#define SYSMEM_FUZZ_CTL_HEAPS(ctl)	(((ctl) & 7U) % 5U)
#define SYSMEM_FUZZ_CTL_IMAGES(ctl)	((((ctl) >> 3) & 7U) % 5U)
#define SYSMEM_FUZZ_CTL_RAW_POINTERS	(1U << 6)
#define SYSMEM_FUZZ_CTL_RAW_HEAP_COUNT	(1U << 7)
#define SYSMEM_FUZZ_CTL(heaps, images)	((heaps) | ((images) << 3))

/* A heap-name selector at or above this is followed by 32 raw bytes. */
#define SYSMEM_FUZZ_HEAP_RAW		0x80U
#define SYSMEM_FUZZ_HEAP_DICT_LEN	8

/*
 * The names a selector below SYSMEM_FUZZ_HEAP_RAW picks: the three
 * registered heaps, the empty name, and near misses.
 */
static const char *const SYSMEM_FUZZ_HEAP_DICT[SYSMEM_FUZZ_HEAP_DICT_LEN] = {
	"system", "cma", "secure", "", "sys", "systemx", "CMA", "other",
};

/* Selectors of the dictionary names, for gen_seeds. */
enum {
	SYSMEM_FUZZ_SEL_SYSTEM,
	SYSMEM_FUZZ_SEL_CMA,
	SYSMEM_FUZZ_SEL_SECURE,
	SYSMEM_FUZZ_SEL_EMPTY,
	SYSMEM_FUZZ_SEL_SYS,
	SYSMEM_FUZZ_SEL_SYSTEMX,
	SYSMEM_FUZZ_SEL_CMA_UPPER,
	SYSMEM_FUZZ_SEL_OTHER,
};

#endif /* _SYSMEM_FUZZ_INPUT_H */

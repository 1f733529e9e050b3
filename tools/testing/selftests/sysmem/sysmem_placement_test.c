// SPDX-License-Identifier: GPL-2.0
/*
 * Where buffers lie in physical memory (ABI 0.6): a participant's
 * min_physical_base_alignment and max_physical_address, checked against
 * the physical addresses of each buffer's pages, as a device driver
 * importing the buffer sees them (the importer of the selftests' helper
 * module sysmem_test_heap.ko, through its debugfs file "import").
 *
 * Runs in a guest with RAM above 4 GiB (make check boots one per kernel
 * with run.sh --mem 4096), so that a buffer placed without regard to a
 * 4 GiB limit would land above it: the page allocator serves the zone
 * above 4 GiB first.  The test fails at once in a guest without such
 * RAM, rather than pass without proving anything.  Needs root (pagemap
 * hides frame numbers from others).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "libsysmem.h"
#include "sysmem_selftest.h"

#define LIMIT_4G	0xffffffffULL
#define NR_MAX		8
#define TEST_HEAP	"sysmem_test_heap"
#define TEST_HEAP_KO	"/lib/sysmem/" TEST_HEAP ".ko"
#define IMPORT_PATH	DEBUGFS_PATH "/" TEST_HEAP "/import"

FIXTURE(placement) {
	bool loaded;
	int dev;
	int coll;
	int fds[NR_MAX];
	unsigned int nr;
	struct sysmem_buffer_settings s;
};

FIXTURE_SETUP(placement)
{
	unsigned int i;

	self->coll = -1;
	for (i = 0; i < NR_MAX; i++)
		self->fds[i] = -1;
	self->dev = sysmem_open();
	ASSERT_LE(0, self->dev);
	if (!sysmem_module_loaded(TEST_HEAP)) {
		ASSERT_EQ(0, sysmem_module_load(TEST_HEAP_KO, ""));
		self->loaded = true;
	}
}

FIXTURE_TEARDOWN(placement)
{
	struct sysmem_heap_stats st;
	struct sysmem_objects o;

	close_fds(self->fds, NR_MAX);
	leave(self->coll);
	close(self->dev);
	/* Every buffer went back to its heap. */
	EXPECT_EQ(0, sysmem_objects_settle(SETTLE_MS, &o));
	EXPECT_EQ(0, sysmem_heap_settle_bytes("system", 0, 0, SETTLE_MS, &st));
	EXPECT_EQ(0, sysmem_heap_settle_bytes("contiguous", 0, 0, SETTLE_MS,
					      &st));
	if (self->loaded)
		EXPECT_EQ(0, sysmem_module_unload(TEST_HEAP));
}

/* True when the guest has RAM at or above 4 GiB (/proc/iomem, as root). */
static bool ram_above_4g(void)
{
	unsigned long long start, end;
	char line[256];
	bool found = false;
	FILE *f;

	f = fopen("/proc/iomem", "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (line[0] != ' ' && strstr(line, "System RAM") &&
		    sscanf(line, "%llx-%llx", &start, &end) == 2 &&
		    end > LIMIT_4G)
			found = true;
	fclose(f);
	return found;
}

/*
 * Where the pages of dma-buf @fd lie: the lowest page's physical
 * address, the highest byte's, and whether the pages follow each other.
 * Return: 0, or -1 when the importer did not say.
 */
static int phys_range(int fd, uint64_t *lo, uint64_t *hi, bool *consecutive)
{
	unsigned long long l, h;
	char text[256], num[16];
	int n, c, imp;

	imp = open(IMPORT_PATH, O_RDWR | O_CLOEXEC);
	if (imp < 0)
		return -1;
	snprintf(num, sizeof(num), "%d", fd);
	if (write(imp, num, strlen(num)) != (ssize_t)strlen(num)) {
		close(imp);
		return -1;
	}
	n = pread(imp, text, sizeof(text) - 1, 0);
	close(imp);
	if (n <= 0)
		return -1;
	text[n] = '\0';
	c = 0;
	if (sscanf(strstr(text, "phys_lo=") ?: "",
		   "phys_lo=%llx phys_hi=%llx pages_consecutive=%d",
		   &l, &h, &c) != 3)
		return -1;
	*lo = l;
	*hi = h;
	*consecutive = c;
	return 0;
}

/*
 * One participant with CPU usage: @count buffers of @size bytes, with
 * @flags, @align and, unless ~0, the address @limit.  Return: 0 with the
 * buffers in @self, or the collection's failure reason (positive), or
 * -errno from setting the constraints.
 */
static int alloc(FIXTURE_DATA(placement) *self, unsigned int count,
		 uint64_t size, uint32_t flags, uint64_t align, uint64_t limit)
{
	struct sysmem_buffer_constraints c;
	unsigned int nfds = 0;
	__u32 state, reason;
	int ret;

	self->coll = sysmem_alloc_nonshared(self->dev);
	if (self->coll < 0)
		return self->coll;
	cons_init(&c, SYSMEM_USAGE_CPU_READ, count, size);
	c.flags = flags;
	c.min_physical_base_alignment = align;
	if (limit != UINT64_MAX) {
		c.flags |= SYSMEM_CONSTRAINTS_HAS_MAX_PHYSICAL_ADDRESS;
		c.max_physical_address = limit;
	}
	ret = sysmem_set_constraints(self->coll, &c);
	if (ret)
		return ret;
	ret = sysmem_wait(self->coll, WAIT_NS);
	if (ret && ret != -EIO)
		return ret;
	if (sysmem_check(self->coll, &state, &reason))
		return -EIO;
	if (state != SYSMEM_STATE_ALLOCATED)
		return reason;
	ret = sysmem_get_result(self->coll, &self->s, self->fds, NR_MAX, NULL,
				&nfds);
	self->nr = nfds;
	return ret;
}

/* Every buffer lies at or below @limit and starts at a multiple of @align. */
static bool placed(FIXTURE_DATA(placement) *self, uint64_t align,
		   uint64_t limit, bool contiguous)
{
	uint64_t lo, hi;
	unsigned int i;
	bool consecutive;

	for (i = 0; i < self->nr; i++) {
		if (phys_range(self->fds[i], &lo, &hi, &consecutive)) {
			printf("# buffer %u: physical address unknown\n", i);
			return false;
		}
		if (hi > limit || lo % align ||
		    (contiguous && !consecutive)) {
			printf("# buffer %u at %#" PRIx64 "-%#" PRIx64
			       " (consecutive %d): limit %#" PRIx64
			       ", alignment %#" PRIx64 "\n", i, lo, hi,
			       consecutive, limit, align);
			return false;
		}
	}
	return self->nr > 0;
}

TEST_F(placement, guest_has_ram_above_4g)
{
	ASSERT_TRUE(ram_above_4g()) {
		TH_LOG("boot the guest with run.sh --mem 4096");
	}
}

TEST_F(placement, invalid_fields)
{
	struct sysmem_buffer_constraints c;

	self->coll = sysmem_alloc_nonshared(self->dev);
	ASSERT_LE(0, self->coll);
	cons_init(&c, SYSMEM_USAGE_CPU_READ, 1, 4096);
	c.min_physical_base_alignment = 3 * 4096;
	EXPECT_EQ(-EINVAL, sysmem_set_constraints(self->coll, &c));
	c.min_physical_base_alignment = 0;
	c.max_physical_address = LIMIT_4G;
	EXPECT_EQ(-EINVAL, sysmem_set_constraints(self->coll, &c));
	/* Refused input sets nothing: the collection still takes these. */
	c.flags = SYSMEM_CONSTRAINTS_HAS_MAX_PHYSICAL_ADDRESS;
	EXPECT_EQ(0, sysmem_set_constraints(self->coll, &c));
	ASSERT_EQ(0, sysmem_wait(self->coll, WAIT_NS));
}

/* Nobody asks: each heap reports its own alignment, and no limit. */
TEST_F(placement, defaults_reported)
{
	ASSERT_EQ(0, alloc(self, 2, 8192, 0, 0, UINT64_MAX));
	EXPECT_STREQ("system", self->s.heap);
	EXPECT_EQ(page_size(), self->s.min_physical_base_alignment);
	EXPECT_EQ(UINT64_MAX, self->s.max_physical_address);
	close_fds(self->fds, NR_MAX);
	leave(self->coll);
	self->coll = -1;

	ASSERT_EQ(0, alloc(self, 2, 8192,
			   SYSMEM_CONSTRAINTS_PHYSICALLY_CONTIGUOUS, 0,
			   UINT64_MAX));
	EXPECT_STREQ("contiguous", self->s.heap);
	EXPECT_EQ(page_size(), self->s.min_physical_base_alignment);
	EXPECT_TRUE(placed(self, page_size(), UINT64_MAX, true));
}

/*
 * A contiguous buffer smaller than the alignment it asks for takes a
 * block of the alignment's size, aligned to it; one that asks nothing
 * takes only its own pages (above).
 */
TEST_F(placement, contiguous_small_aligned_64k)
{
	ASSERT_EQ(0, alloc(self, 4, 8192,
			   SYSMEM_CONSTRAINTS_PHYSICALLY_CONTIGUOUS, 64 * KIB,
			   UINT64_MAX));
	EXPECT_STREQ("contiguous", self->s.heap);
	EXPECT_EQ(64 * KIB, self->s.min_physical_base_alignment);
	EXPECT_EQ(8192, self->s.size_bytes);
	EXPECT_EQ(4, self->nr);
	EXPECT_TRUE(placed(self, 64 * KIB, UINT64_MAX, true));
}

TEST_F(placement, contiguous_aligned_1m)
{
	ASSERT_EQ(0, alloc(self, 4, 64 * KIB,
			   SYSMEM_CONSTRAINTS_PHYSICALLY_CONTIGUOUS, MIB,
			   UINT64_MAX));
	EXPECT_STREQ("contiguous", self->s.heap);
	EXPECT_EQ(MIB, self->s.min_physical_base_alignment);
	EXPECT_EQ(64 * KIB, self->s.size_bytes);
	EXPECT_EQ(4, self->nr);
	EXPECT_TRUE(placed(self, MIB, UINT64_MAX, true));
}

/* The system heap gives single pages: a larger alignment moves heaps. */
TEST_F(placement, alignment_picks_a_heap_that_gives_it)
{
	ASSERT_EQ(0, alloc(self, 2, 100 * KIB, 0, 256 * KIB, UINT64_MAX));
	EXPECT_STREQ("contiguous", self->s.heap);
	EXPECT_EQ(256 * KIB, self->s.min_physical_base_alignment);
	EXPECT_TRUE(placed(self, 256 * KIB, UINT64_MAX, true));
}

TEST_F(placement, alignment_no_heap_gives)
{
	EXPECT_EQ(SYSMEM_FAIL_NO_HEAP,
		  alloc(self, 1, 4096, 0, 1ULL << 30, UINT64_MAX));
}

TEST_F(placement, system_below_4g)
{
	ASSERT_TRUE(ram_above_4g());
	ASSERT_EQ(0, alloc(self, NR_MAX, 8 * MIB, 0, 0, LIMIT_4G));
	EXPECT_STREQ("system", self->s.heap);
	EXPECT_EQ(LIMIT_4G, self->s.max_physical_address);
	EXPECT_EQ(NR_MAX, self->nr);
	EXPECT_TRUE(placed(self, page_size(), LIMIT_4G, false));
}

TEST_F(placement, contiguous_below_4g)
{
	ASSERT_TRUE(ram_above_4g());
	ASSERT_EQ(0, alloc(self, 4, 2 * MIB,
			   SYSMEM_CONSTRAINTS_PHYSICALLY_CONTIGUOUS, 0,
			   LIMIT_4G));
	EXPECT_STREQ("contiguous", self->s.heap);
	EXPECT_EQ(LIMIT_4G, self->s.max_physical_address);
	EXPECT_EQ(page_size(), self->s.min_physical_base_alignment);
	EXPECT_TRUE(placed(self, page_size(), LIMIT_4G, true));
}

/* Limits at or above the end of RAM need nothing: both heaps serve them. */
TEST_F(placement, limit_above_ram_is_free)
{
	ASSERT_EQ(0, alloc(self, 2, 8192, 0, 0, (1ULL << 48) - 1));
	EXPECT_STREQ("system", self->s.heap);
	EXPECT_EQ((1ULL << 48) - 1, self->s.max_physical_address);
}

/* No heap here places buffers below 16 MiB (there is no DMA zone). */
TEST_F(placement, limit_no_heap_meets)
{
	EXPECT_EQ(SYSMEM_FAIL_NO_HEAP,
		  alloc(self, 1, 4096, 0, 0, 16 * MIB - 1));
	close(self->coll);
	self->coll = -1;
	EXPECT_EQ(SYSMEM_FAIL_NO_HEAP,
		  alloc(self, 1, 4096, SYSMEM_CONSTRAINTS_PHYSICALLY_CONTIGUOUS,
			0, 16 * MIB - 1));
}

TEST_HARNESS_MAIN

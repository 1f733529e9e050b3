// SPDX-License-Identifier: GPL-2.0
/*
 * sysmem buffers in a real importer: DRM PRIME import into vgem.
 *
 * vgem (DRM_VGEM) is a GEM-only DRM driver whose PRIME import attaches to
 * the dma-buf and maps it for its device, as any GPU driver does.  The
 * tests import sysmem buffers from each heap and coherency domain, check
 * that the data the CPU writes is what the importer's object holds, that
 * re-exporting the GEM handle gives back the same sysmem buffer, that
 * the importer keeps the memory alive, and that importing never widens
 * the rights of a read-only buffer.
 *
 * Linux 6.1's DRM refuses DRM_IOCTL_MODE_MAP_DUMB for imported objects
 * (drm_gem_dumb_map_offset() returns -EINVAL), so there the importer's
 * side is read through the dma-buf PRIME_HANDLE_TO_FD gives back for the
 * handle; a kernel that maps imported objects is checked through the
 * card fd mapping as well.
 *
 * Skips when no vgem device exists (Debian's stock kernel builds vgem as
 * a module, which the test VM does not load).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/dma-buf.h>
#include <linux/magic.h>
#include <drm/drm.h>
#include <drm/drm_mode.h>

#include "kselftest_harness.h"
#include "libsysmem.h"
#include "sysmem_selftest.h"
#include "sysmem_vgem.h"

#define DMA_API_DUMP	DEBUGFS_PATH "/dma-api/dump"
/* vgem's platform device has no dma_parms: the DMA API's default. */
#define VGEM_MAX_SEG	(64 * 1024)

/* The fake mmap offset of @handle in @card, or -errno. */
static int map_dumb(int card, __u32 handle, __u64 *offset)
{
	struct drm_mode_map_dumb md = { .handle = handle };

	if (ioctl(card, DRM_IOCTL_MODE_MAP_DUMB, &md))
		return -errno;
	*offset = md.offset;
	return 0;
}

/* DMA_BUF_IOCTL_SYNC with @flags; 0 or -errno. */
static int cpu_sync(int fd, __u64 flags)
{
	struct dma_buf_sync s = { .flags = flags };

	return ioctl(fd, DMA_BUF_IOCTL_SYNC, &s) ? -errno : 0;
}

/* The same open file (dma-buf) behind two fds? */
static int same_file(int a, int b)
{
	struct stat sa, sb;

	if (fstat(a, &sa) || fstat(b, &sb))
		return -errno;
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* The byte the test writes at @off of buffer @index in round @round. */
static unsigned char pattern(unsigned int index, unsigned int round,
			     size_t off)
{
	return (unsigned char)(off * 7 + (off >> 12) * 13 + index * 31 +
			       round * 101 + 1);
}

static void fill(unsigned char *p, size_t size, unsigned int index,
		 unsigned int round)
{
	size_t i;

	for (i = 0; i < size; i++)
		p[i] = pattern(index, round, i);
}

/* Offset of the first byte that differs from the pattern, or -1. */
static long mismatch(const unsigned char *p, size_t size, unsigned int index,
		     unsigned int round)
{
	size_t i;

	for (i = 0; i < size; i++)
		if (p[i] != pattern(index, round, i))
			return (long)i;
	return -1;
}

/* One DMA mapping of a device, as DMA-API debugging lists it. */
struct dma_seg {
	unsigned long long phys;
	unsigned long long len;
};

#define MAX_SEGS	4096

/*
 * The scatter-gather segments @devname has mapped, from DMA-API
 * debugging's dump (CONFIG_DMA_API_DEBUG), sorted by physical address.
 * Returns the count or -errno (-ENOENT without DMA-API debugging).
 */
static int dma_segments(const char *devname, struct dma_seg *segs)
{
	char line[512], dev[64], drv[64], type[64];
	unsigned long long p, n, d, l;
	int count = 0, i, j, idx;
	struct dma_seg t;
	FILE *f;

	f = fopen(DMA_API_DUMP, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		/*
		 * 6.1: "DEV DRIVER scather-gather idx I P= N= D= L= ...";
		 * 6.12 on: "DRIVER DEV scatter-gather idx I P= D= L= ...".
		 */
		if (sscanf(line, "%63s %63s %63s idx %d P=%llx N=%llx D=%llx L=%llx",
			   dev, drv, type, &idx, &p, &n, &d, &l) != 8 &&
		    sscanf(line, "%63s %63s %63s idx %d P=%llx D=%llx L=%llx",
			   drv, dev, type, &idx, &p, &d, &l) != 7)
			continue;
		if (strcmp(dev, devname) ||
		    (strcmp(type, "scather-gather") &&
		     strcmp(type, "scatter-gather")))
			continue;
		if (count == MAX_SEGS) {
			fclose(f);
			return -E2BIG;
		}
		segs[count].phys = p;
		segs[count++].len = l;
	}
	fclose(f);
	for (i = 1; i < count; i++) {
		t = segs[i];
		for (j = i; j > 0 && segs[j - 1].phys > t.phys; j--)
			segs[j] = segs[j - 1];
		segs[j] = t;
	}
	return count;
}

/*
 * What importing one buffer added to @devname's mappings: the segments
 * in @after that are not in @before (both sorted).  Returns the count.
 */
static int new_segments(const struct dma_seg *before, int nb,
			const struct dma_seg *after, int na,
			struct dma_seg *out)
{
	int i, j = 0, n = 0;

	for (i = 0; i < na; i++) {
		while (j < nb && before[j].phys < after[i].phys)
			j++;
		if (j < nb && before[j].phys == after[i].phys &&
		    before[j].len == after[i].len) {
			j++;
			continue;
		}
		out[n++] = after[i];
	}
	return n;
}

/*
 * Check what the importer mapped for one buffer of @size bytes: the
 * segments cover exactly @size bytes, none is longer than @max_seg, and
 * with @contiguous they form one physical range starting at an @align
 * boundary.  Returns 0, or 1000 * failed step + detail.
 */
static int check_segments(const struct dma_seg *segs, int n, size_t size,
			  size_t max_seg, bool contiguous, __u64 align)
{
	unsigned long long total = 0;
	int i;

	if (n <= 0)
		return 1000;
	for (i = 0; i < n; i++) {
		total += segs[i].len;
		if (segs[i].len > max_seg)
			return 2000 + i % 1000;
		if (contiguous && i &&
		    segs[i].phys != segs[i - 1].phys + segs[i - 1].len)
			return 3000 + i % 1000;
	}
	if (total != size)
		return 4000;
	if (contiguous && (!align || segs[0].phys % align))
		return 5000 + (int)(align ? segs[0].phys % align / page_size() :
				    999);
	return 0;
}

/*
 * A non-shared collection of @count buffers of @size bytes; @heap, when
 * not NULL, is the only permitted heap.  Fills fds[] in buffer index
 * order and *s with the settings.  Returns the collection fd or -errno.
 */
static int alloc_buffers(int dev, __u64 usage, __u32 flags, __u32 domains,
			 const char *heap, unsigned int count, size_t size,
			 struct sysmem_buffer_settings *s, int *fds)
{
	struct sysmem_buffer_constraints c;
	struct sysmem_heap_name name;
	int coll, tmp[SYSMEM_MAX_BUFFERS];
	unsigned int nfds = 0, i;
	__u64 id, bid;
	__u32 idx;
	int ret;

	coll = sysmem_alloc_nonshared(dev);
	if (coll < 0)
		return coll;
	memset(&c, 0, sizeof(c));
	c.usage = usage;
	c.flags = flags;
	c.min_buffer_count = count;
	c.min_size_bytes = size;
	if (domains) {
		c.flags |= SYSMEM_CONSTRAINTS_HAS_COHERENCY_DOMAINS;
		c.coherency_domains = domains;
	}
	if (heap) {
		memset(&name, 0, sizeof(name));
		snprintf(name.name, sizeof(name.name), "%s", heap);
		c.flags |= SYSMEM_CONSTRAINTS_HAS_PERMITTED_HEAPS;
		c.heap_count = 1;
		c.heaps = (uintptr_t)&name;
	}
	ret = sysmem_set_constraints(coll, &c);
	if (!ret)
		ret = sysmem_wait(coll, WAIT_NS);
	if (!ret)
		ret = sysmem_get_collection_id(coll, &id);
	if (!ret)
		ret = sysmem_get_result(coll, s, tmp, count, NULL, &nfds);
	if (!ret && nfds != count)
		ret = -EBADMSG;
	if (ret)
		goto fail;
	for (i = 0; i < count; i++)
		fds[i] = -1;
	for (i = 0; i < count; i++) {
		ret = sysmem_buffer_info(dev, tmp[i], &bid, &idx);
		if (!ret && (bid != id || idx >= count || fds[idx] != -1))
			ret = -EBADMSG;
		if (ret) {
			for (i = 0; i < count; i++)
				close(tmp[i]);
			goto fail;
		}
		fds[idx] = tmp[i];
	}
	return coll;

fail:
	sysmem_release(coll);
	close(coll);
	return ret;
}

/* Release and close a collection fd. */
FIXTURE(imp) {
	int dev;
	int card;
};

FIXTURE_SETUP(imp)
{
	self->dev = sysmem_open();
	ASSERT_LE(0, self->dev)
		TH_LOG("open %s: %s", SYSMEM_DEV_PATH, strerror(-self->dev));
	self->card = vgem_open();
}

FIXTURE_TEARDOWN(imp)
{
	if (self->card >= 0)
		close(self->card);
	close(self->dev);
}

/* SKIP in FIXTURE_SETUP does not stop the test body on 6.1's harness. */
#define NEED_VGEM() do { \
	if (self->card < 0) \
		SKIP(return, "no vgem device in " DRI_PATH \
		     " (DRM_VGEM not built in, or its module not loaded)"); \
} while (0)

FIXTURE_VARIANT(imp) {
	const char *heap;	/* the only permitted heap, or NULL */
	__u32 flags;		/* SYSMEM_CONSTRAINTS_* */
	__u32 domains;		/* coherency domains allowed, 0: default */
	const char *want_heap;	/* the heap sysmem must choose */
	size_t size;
	bool contiguous;	/* check physical contiguity */
};

FIXTURE_VARIANT_ADD(imp, system) {
	.heap = "system",
	.want_heap = "system",
	.size = 1024 * 1024 + 3 * 4096,
};

/* RAM domain: the heap also keeps the pages mapped for write-back. */
FIXTURE_VARIANT_ADD(imp, system_ram) {
	.heap = "system",
	.domains = SYSMEM_DOMAIN_RAM,
	.want_heap = "system",
	.size = 512 * 1024,
};

FIXTURE_VARIANT_ADD(imp, contiguous) {
	.heap = "contiguous",
	.want_heap = "contiguous",
	.size = 1024 * 1024,
	.contiguous = true,
};

FIXTURE_VARIANT_ADD(imp, contiguous_required) {
	.flags = SYSMEM_CONSTRAINTS_PHYSICALLY_CONTIGUOUS,
	.want_heap = "contiguous",
	.size = 256 * 1024 + 4096,
	.contiguous = true,
};

/*
 * CPU data round trip through vgem: the CPU fills each buffer through
 * the sysmem mapping inside DMA_BUF_IOCTL_SYNC brackets, vgem imports
 * it, the importer's view holds the data; the CPU writes through the
 * importer's view and the sysmem mapping sees it.  Re-exporting the
 * handle gives back the very same sysmem dma-buf.
 */
TEST_F(imp, cpu_roundtrip)
{
	const size_t size = variant->size, psz = page_size();
	const size_t rsize = (size + psz - 1) / psz * psz;
	struct sysmem_buffer_settings s;
	unsigned char *map[2], *emap;
	__u32 handle[2] = { 0, 0 }, h = 0, idx;
	struct sysmem_heap_stats base, st;
	__u64 id, bid, offset = 0;
	int coll, fds[2], efd, i, ret, nb, na, n;
	struct dma_seg *before, *after, *segs;
	long bad;

	NEED_VGEM();
	if (!have_debugfs())
		SKIP(return, "debugfs is not mounted at " DEBUGFS_PATH);
	ASSERT_EQ(0, sysmem_read_heap_stats(variant->want_heap, &base))
		TH_LOG("no \"%s\" line in " HEAPS_PATH, variant->want_heap);
	coll = alloc_buffers(self->dev, USAGE_RW, variant->flags,
			     variant->domains, variant->heap, 2, size, &s, fds);
	ASSERT_LE(0, coll) TH_LOG("allocation: %s", strerror(-coll));
	EXPECT_STREQ(variant->want_heap, s.heap);
	ASSERT_EQ(0, sysmem_read_heap_stats(variant->want_heap, &st));
	EXPECT_EQ(base.buffers + 2, st.buffers);
	EXPECT_EQ(size, s.size_bytes);
	EXPECT_EQ(2, s.buffer_count);
	/* Nothing asked: both heaps align buffers to a page. */
	EXPECT_EQ(page_size(), s.min_physical_base_alignment);
	EXPECT_EQ(variant->domains ?: SYSMEM_DOMAIN_CPU, s.coherency_domain);
	if (variant->flags & SYSMEM_CONSTRAINTS_PHYSICALLY_CONTIGUOUS)
		EXPECT_TRUE(s.flags & SYSMEM_SETTINGS_PHYSICALLY_CONTIGUOUS);
	ASSERT_EQ(0, sysmem_get_collection_id(coll, &id));
	before = calloc(3 * MAX_SEGS, sizeof(*before));
	ASSERT_NE(NULL, before);
	after = before + MAX_SEGS;
	segs = after + MAX_SEGS;

	for (i = 0; i < 2; i++) {
		EXPECT_EQ((off_t)rsize, lseek(fds[i], 0, SEEK_END));
		map[i] = mmap(NULL, rsize, PROT_READ | PROT_WRITE, MAP_SHARED,
			      fds[i], 0);
		ASSERT_NE(MAP_FAILED, map[i]);
		ASSERT_EQ(0, cpu_sync(fds[i], DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE));
		fill(map[i], rsize, i, 0);
		ASSERT_EQ(0, cpu_sync(fds[i], DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE));

		nb = dma_segments("vgem", before);
		ASSERT_EQ(0, prime_import(self->card, fds[i], &handle[i]));
		na = dma_segments("vgem", after);
		/* The same dma-buf imports to the same handle. */
		ASSERT_EQ(0, prime_import(self->card, fds[i], &h));
		EXPECT_EQ(handle[i], h);

		/* What vgem mapped: the whole buffer, in segments it takes. */
		if (nb < 0 || na < 0) {
			TH_LOG("no %s (%s): the importer's mapping is not checked",
			       DMA_API_DUMP, strerror(-(nb < 0 ? nb : na)));
			continue;
		}
		n = new_segments(before, nb, after, na, segs);
		if (!n) {
			/*
			 * Newer vgem (shmem helpers' import without a
			 * mapping, 7.x) attaches on import and maps only
			 * for device access, which vgem never needs.
			 */
			TH_LOG("buffer %d: vgem attached without mapping: no segments to check",
			       i);
			continue;
		}
		ret = check_segments(segs, n, rsize, VGEM_MAX_SEG,
				     variant->contiguous,
				     s.min_physical_base_alignment);
		EXPECT_EQ(0, ret)
			TH_LOG("buffer %d: vgem's %d segments: step %d, detail %d (%s %llu)",
			       i, n, ret / 1000, ret % 1000,
			       variant->contiguous ?
			       "one range of <= 64 KiB segments aligned to" :
			       "<= 64 KiB segments; reported alignment",
			       (unsigned long long)s.min_physical_base_alignment);
	}
	EXPECT_NE(handle[0], handle[1]);

	for (i = 0; i < 2; i++) {
		/* The dma-buf behind the handle: sysmem's own, same file. */
		efd = prime_export(self->card, handle[i]);
		ASSERT_LE(0, efd) TH_LOG("PRIME export: %s", strerror(-efd));
		EXPECT_EQ(1, same_file(efd, fds[i]));
		bid = 0;
		idx = ~0U;
		ASSERT_EQ(0, sysmem_buffer_info(self->dev, efd, &bid, &idx));
		EXPECT_EQ(id, bid);
		EXPECT_EQ(i, idx);
		emap = mmap(NULL, rsize, PROT_READ | PROT_WRITE, MAP_SHARED,
			    efd, 0);
		ASSERT_NE(MAP_FAILED, emap);
		ASSERT_EQ(0, cpu_sync(efd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW));
		bad = mismatch(emap, rsize, i, 0);
		EXPECT_EQ(-1, bad) TH_LOG("buffer %d: importer's view differs at %ld", i, bad);
		fill(emap, rsize, i, 1);
		ASSERT_EQ(0, cpu_sync(efd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW));
		munmap(emap, rsize);
		close(efd);

		ASSERT_EQ(0, cpu_sync(fds[i], DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ));
		bad = mismatch(map[i], rsize, i, 1);
		EXPECT_EQ(-1, bad) TH_LOG("buffer %d: sysmem view differs at %ld", i, bad);
		ASSERT_EQ(0, cpu_sync(fds[i], DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ));

		/*
		 * The card fd's own mapping of the imported object, where
		 * DRM allows one; 6.1 refuses imported objects (EINVAL).
		 */
		ret = map_dumb(self->card, handle[i], &offset);
		if (ret) {
			EXPECT_EQ(-EINVAL, ret);
			if (i == 0)
				TH_LOG("DRM refuses MODE_MAP_DUMB of imported objects (%s): %s",
				       strerror(-ret),
				       "importer's view read through its PRIME re-export");
			continue;
		}
		emap = mmap(NULL, rsize, PROT_READ | PROT_WRITE, MAP_SHARED,
			    self->card, offset);
		ASSERT_NE(MAP_FAILED, emap);
		bad = mismatch(emap, rsize, i, 1);
		EXPECT_EQ(-1, bad) TH_LOG("buffer %d: vgem mapping differs at %ld", i, bad);
		fill(emap, rsize, i, 2);
		munmap(emap, rsize);
		ASSERT_EQ(0, cpu_sync(fds[i], DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ));
		bad = mismatch(map[i], rsize, i, 2);
		EXPECT_EQ(-1, bad) TH_LOG("buffer %d: sysmem view differs at %ld", i, bad);
		ASSERT_EQ(0, cpu_sync(fds[i], DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ));
	}

	for (i = 0; i < 2; i++) {
		munmap(map[i], rsize);
		EXPECT_EQ(0, gem_close(self->card, handle[i]));
		EXPECT_EQ(-EINVAL, gem_close(self->card, handle[i]));
		close(fds[i]);
	}
	leave(coll);
	free(before);
	EXPECT_EQ(0, sysmem_heap_settle(variant->want_heap, base.buffers,
				       SETTLE_MS, &st));
	EXPECT_EQ(base.buffers, st.buffers);
}

/*
 * vgem's import holds the dma-buf: the memory goes back to the heap
 * only once the GEM handles are gone too (one closed with GEM_CLOSE, one
 * with the DRM file), not when the sysmem fds and collection are.
 */
TEST_F(imp, import_holds_memory)
{
	const size_t size = 64 * 1024;
	const char *heap = variant->want_heap;
	struct sysmem_buffer_settings s;
	struct sysmem_heap_stats base, st;
	__u32 handle[2];
	int coll, fds[2], card, i;

	NEED_VGEM();
	if (!have_debugfs())
		SKIP(return, "debugfs is not mounted at " DEBUGFS_PATH);
	ASSERT_EQ(0, sysmem_read_heap_stats(heap, &base))
		TH_LOG("no \"%s\" line in " HEAPS_PATH, heap);
	/* Nothing else runs in the test VM: every earlier buffer is gone. */
	EXPECT_EQ(0, base.buffers);

	card = vgem_open();
	ASSERT_LE(0, card);
	coll = alloc_buffers(self->dev, USAGE_RW, variant->flags,
			     variant->domains, variant->heap, 2, size, &s, fds);
	ASSERT_LE(0, coll) TH_LOG("allocation: %s", strerror(-coll));
	EXPECT_STREQ(heap, s.heap);
	ASSERT_EQ(0, sysmem_read_heap_stats(heap, &st));
	EXPECT_EQ(base.buffers + 2, st.buffers);
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, prime_import(card, fds[i], &handle[i]));

	for (i = 0; i < 2; i++)
		close(fds[i]);
	leave(coll);
	/* Give a wrongly early release the time to show. */
	usleep(200000);
	ASSERT_EQ(0, sysmem_read_heap_stats(heap, &st));
	EXPECT_EQ(base.buffers + 2, st.buffers);

	EXPECT_EQ(0, gem_close(card, handle[0]));
	EXPECT_EQ(0, sysmem_heap_settle(heap, base.buffers + 1, SETTLE_MS,
				       &st));
	EXPECT_EQ(base.buffers + 1, st.buffers);

	close(card);
	EXPECT_EQ(0, sysmem_heap_settle(heap, base.buffers, SETTLE_MS, &st));
	EXPECT_EQ(base.buffers, st.buffers);
}

/*
 * A read-only participant's buffers import into vgem, but neither its
 * fd nor the dma-buf vgem gives back can be mapped writable: the import
 * does not widen rights.  What the writer writes shows through the
 * importer's object.
 */
TEST_F(imp, read_only_import)
{
	const size_t size = 16 * 4096;
	struct sysmem_buffer_constraints c;
	struct sysmem_heap_name name;
	int root, ro_tok, rw, ro, rw_fd, ro_fd, efd;
	unsigned int count = 0, nfds = 0;
	__u32 h_ro = 0, idx;
	unsigned char *p;
	__u64 id, bid;
	long bad;

	NEED_VGEM();
	root = sysmem_alloc_token(self->dev);
	ASSERT_LE(0, root);
	ro_tok = sysmem_duplicate(root, SYSMEM_RIGHT_READ);
	ASSERT_LE(0, ro_tok);
	rw = sysmem_bind(self->dev, root);
	ASSERT_LE(0, rw);
	close(root);
	ro = sysmem_bind(self->dev, ro_tok);
	ASSERT_LE(0, ro);
	close(ro_tok);

	memset(&c, 0, sizeof(c));
	c.usage = USAGE_RW;
	c.min_buffer_count = 1;
	c.min_size_bytes = size;
	if (variant->heap) {
		memset(&name, 0, sizeof(name));
		snprintf(name.name, sizeof(name.name), "%s", variant->heap);
		c.flags |= SYSMEM_CONSTRAINTS_HAS_PERMITTED_HEAPS;
		c.heap_count = 1;
		c.heaps = (uintptr_t)&name;
	}
	c.flags |= variant->flags;
	if (variant->domains) {
		c.flags |= SYSMEM_CONSTRAINTS_HAS_COHERENCY_DOMAINS;
		c.coherency_domains = variant->domains;
	}
	ASSERT_EQ(0, sysmem_set_constraints(rw, &c));
	/* Asks for write usage, but its token only carries READ. */
	ASSERT_EQ(0, sysmem_set_constraints(ro, &c));
	ASSERT_EQ(0, sysmem_wait(ro, WAIT_NS));
	ASSERT_EQ(0, sysmem_get_collection_id(ro, &id));
	ASSERT_EQ(0, sysmem_get_result(rw, NULL, &rw_fd, 1, &count, &nfds));
	ASSERT_EQ(1, nfds);
	ASSERT_EQ(0, sysmem_get_result(ro, NULL, &ro_fd, 1, &count, &nfds));
	ASSERT_EQ(1, nfds);
	EXPECT_EQ(O_RDWR, fcntl(rw_fd, F_GETFL) & O_ACCMODE);
	EXPECT_EQ(O_RDONLY, fcntl(ro_fd, F_GETFL) & O_ACCMODE);

	/* The writer fills the buffer. */
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, rw_fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, cpu_sync(rw_fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE));
	fill(p, size, 0, 5);
	ASSERT_EQ(0, cpu_sync(rw_fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE));
	munmap(p, size);

	/*
	 * The reader's dma-buf imports.  (The writer's is another dma-buf
	 * over the same memory; importing both into one device maps the
	 * memory twice for it, which DMA-API debugging reports as an
	 * overlapping mapping, so only the reader's is imported here.)
	 */
	EXPECT_EQ(0, same_file(ro_fd, rw_fd));
	ASSERT_EQ(0, prime_import(self->card, ro_fd, &h_ro));

	EXPECT_EQ(MAP_FAILED, mmap(NULL, size, PROT_READ | PROT_WRITE,
				   MAP_SHARED, ro_fd, 0));
	EXPECT_EQ(EACCES, errno);

	/* Exported back with DRM_RDWR, it is still the read-only file. */
	efd = prime_export(self->card, h_ro);
	ASSERT_LE(0, efd);
	EXPECT_EQ(1, same_file(efd, ro_fd));
	EXPECT_EQ(0, same_file(efd, rw_fd));
	EXPECT_EQ(O_RDONLY, fcntl(efd, F_GETFL) & O_ACCMODE);
	ASSERT_EQ(0, sysmem_buffer_info(self->dev, efd, &bid, &idx));
	EXPECT_EQ(id, bid);
	EXPECT_EQ(0, idx);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, size, PROT_READ | PROT_WRITE,
				   MAP_SHARED, efd, 0));
	EXPECT_EQ(EACCES, errno);
	p = mmap(NULL, size, PROT_READ, MAP_SHARED, efd, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, cpu_sync(efd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ));
	bad = mismatch(p, size, 0, 5);
	EXPECT_EQ(-1, bad) TH_LOG("read-only view differs at %ld", bad);
	ASSERT_EQ(0, cpu_sync(efd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ));
	munmap(p, size);
	close(efd);

	/* The writer's writes after the import reach the importer's view. */
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, rw_fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, cpu_sync(rw_fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE));
	fill(p, size, 0, 6);
	ASSERT_EQ(0, cpu_sync(rw_fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE));
	munmap(p, size);
	efd = prime_export(self->card, h_ro);
	ASSERT_LE(0, efd);
	p = mmap(NULL, size, PROT_READ, MAP_SHARED, efd, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, cpu_sync(efd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ));
	bad = mismatch(p, size, 0, 6);
	EXPECT_EQ(-1, bad) TH_LOG("read-only view differs at %ld", bad);
	ASSERT_EQ(0, cpu_sync(efd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ));
	munmap(p, size);
	close(efd);

	EXPECT_EQ(0, gem_close(self->card, h_ro));
	close(rw_fd);
	close(ro_fd);
	leave(rw);
	leave(ro);
}

/*
 * A buffer in the inaccessible coherency domain: no CPU mapping, no CPU
 * access brackets, but a device can still import it.
 */
TEST_F(imp, inaccessible_import)
{
	const size_t size = 32 * 4096;
	struct sysmem_buffer_settings s;
	__u64 id, bid, offset = 0;
	__u32 handle = 0, idx;
	int coll, fd, efd, ret;
	void *p;

	NEED_VGEM();
	coll = alloc_buffers(self->dev, SYSMEM_USAGE_VIDEO_DECODER,
			     variant->flags, SYSMEM_DOMAIN_INACCESSIBLE,
			     variant->heap, 1, size, &s, &fd);
	ASSERT_LE(0, coll) TH_LOG("allocation: %s", strerror(-coll));
	EXPECT_EQ(SYSMEM_DOMAIN_INACCESSIBLE, s.coherency_domain);
	EXPECT_STREQ(variant->want_heap, s.heap);
	ASSERT_EQ(0, sysmem_get_collection_id(coll, &id));

	p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EPERM, errno);
	if (p != MAP_FAILED)
		munmap(p, size);
	EXPECT_EQ(-EPERM, cpu_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ));
	EXPECT_EQ(-EPERM, cpu_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE));

	ASSERT_EQ(0, prime_import(self->card, fd, &handle));
	efd = prime_export(self->card, handle);
	ASSERT_LE(0, efd);
	EXPECT_EQ(1, same_file(efd, fd));
	ASSERT_EQ(0, sysmem_buffer_info(self->dev, efd, &bid, &idx));
	EXPECT_EQ(id, bid);
	EXPECT_EQ(0, idx);
	p = mmap(NULL, size, PROT_READ, MAP_SHARED, efd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EPERM, errno);
	if (p != MAP_FAILED)
		munmap(p, size);
	close(efd);

	/* Nor does the importer's own mapping reach the memory. */
	ret = map_dumb(self->card, handle, &offset);
	if (ret) {
		EXPECT_EQ(-EINVAL, ret);
	} else {
		p = mmap(NULL, size, PROT_READ, MAP_SHARED, self->card,
			 offset);
		EXPECT_EQ(MAP_FAILED, p);
		if (p != MAP_FAILED)
			munmap(p, size);
	}

	EXPECT_EQ(0, gem_close(self->card, handle));
	close(fd);
	leave(coll);
}

TEST_HARNESS_MAIN

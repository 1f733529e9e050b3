// SPDX-License-Identifier: GPL-2.0
/*
 * Rights on buffers: what a participant without SYSMEM_RIGHT_WRITE may
 * not do with its read-only dma-bufs, where the kernel lets sysmem say.
 *
 * One collection, two participants: a writer (all rights) and a reader
 * (its token duplicated with SYSMEM_RIGHT_READ only; it asks for write
 * usage all the same).  The writer's fd is O_RDWR, the reader's O_RDONLY,
 * both over the same memory.  On the reader's fd:
 *
 *  - mmap() with PROT_WRITE fails with EACCES (the VFS: the file is not
 *    open for writing);
 *  - DMA_BUF_IOCTL_SYNC for WRITE or READ | WRITE fails with EACCES,
 *    for READ it works;
 *  - a device mapping for DMA_FROM_DEVICE fails with EACCES (the test
 *    heap module's importer), for DMA_TO_DEVICE and DMA_BIDIRECTIONAL it
 *    works, and so does the importer's vmap (not enforceable: see
 *    Documentation/sysmem/uapi.rst);
 *  - vgem imports it (DRM PRIME maps DMA_BIDIRECTIONAL, as a display
 *    that only reads does);
 *  - vivid with the dma-contig allocator (vivid.allocators=1 for some
 *    instance; check.sh boots with vivid.n_devs=3 and allocators=0,0,1)
 *    refuses it at VIDIOC_QBUF of a capture queue (vb2-dma-contig maps
 *    DMA_FROM_DEVICE there and turns the map's failure into EINVAL),
 *    while the writer's fd of the same buffer captures a frame;
 *  - vivid with its default vb2-vmalloc imports through vmap only: it
 *    takes the read-only fd and fills it (the documented hole).
 *
 * The writer's fd does all of it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/dma-buf.h>
#include <drm/drm.h>

#include "sysmem_selftest.h"
#include "sysmem_vgem.h"
#include "../../../sysmem/examples/v4l2-camera.h"

#define TEST_HEAP	"sysmem_test_heap"
#define TEST_HEAP_KO	"/lib/sysmem/" TEST_HEAP ".ko"
#define IMPORT_PATH	DEBUGFS_PATH "/" TEST_HEAP "/import"
#define SIZE		(64 * 1024)

/* enum dma_data_direction, as the test heap's importer takes it */
#define DIR_BIDIRECTIONAL	0
#define DIR_TO_DEVICE		1
#define DIR_FROM_DEVICE		2

/* DMA_BUF_IOCTL_SYNC with @flags; 0 or -errno. */
static int cpu_sync(int fd, __u64 flags)
{
	struct dma_buf_sync s = { .flags = flags };

	return ioctl(fd, DMA_BUF_IOCTL_SYNC, &s) ? -errno : 0;
}

/*
 * A collection of @count buffers of at least @size bytes with @flags
 * (SYSMEM_CONSTRAINTS_*), seen by a writer and a reader: their fds in
 * @rw and @ro (buffer order).  Returns 0 or -errno.
 */
static int alloc_pair(int dev, __u64 usage, __u32 flags, unsigned int count,
		      size_t size, int *rw, int *ro, int *rw_coll, int *ro_coll)
{
	struct sysmem_buffer_constraints c;
	unsigned int n = 0, nfds = 0;
	int root, ro_tok, ret;

	*rw_coll = -1;
	*ro_coll = -1;
	root = sysmem_alloc_token(dev);
	if (root < 0)
		return root;
	ro_tok = sysmem_duplicate(root, SYSMEM_RIGHT_READ);
	if (ro_tok < 0) {
		close(root);
		return ro_tok;
	}
	*rw_coll = sysmem_bind(dev, root);
	close(root);
	*ro_coll = sysmem_bind(dev, ro_tok);
	close(ro_tok);
	if (*rw_coll < 0 || *ro_coll < 0)
		return -EBADF;
	memset(&c, 0, sizeof(c));
	c.usage = usage;
	c.flags = flags;
	c.min_buffer_count = count;
	c.min_size_bytes = size;
	ret = sysmem_set_constraints(*rw_coll, &c);
	if (!ret)
		ret = sysmem_set_constraints(*ro_coll, &c);
	if (!ret)
		ret = sysmem_wait(*rw_coll, WAIT_NS);
	if (!ret)
		ret = sysmem_get_result(*rw_coll, NULL, rw, count, &n, &nfds);
	if (!ret && nfds != count)
		ret = -EBADMSG;
	if (!ret)
		ret = sysmem_get_result(*ro_coll, NULL, ro, count, &n, &nfds);
	if (!ret && nfds != count)
		ret = -EBADMSG;
	return ret;
}

static void close_pair(int *rw_coll, int *ro_coll)
{
	if (*rw_coll >= 0) {
		sysmem_release(*rw_coll);
		close(*rw_coll);
	}
	if (*ro_coll >= 0) {
		sysmem_release(*ro_coll);
		close(*ro_coll);
	}
	*rw_coll = -1;
	*ro_coll = -1;
}

/* The test heap's importer maps @fd in direction @dir: 0 or -errno. */
static int import_dir(int fd, int dir, int *vmap)
{
	char text[256], cmd[32];
	const char *v;
	int imp, n, ret = 0;

	imp = open(IMPORT_PATH, O_RDWR | O_CLOEXEC);
	if (imp < 0)
		return -errno;
	n = snprintf(cmd, sizeof(cmd), "%d %d", fd, dir);
	if (write(imp, cmd, n) != n)
		ret = -errno;
	if (!ret) {
		n = pread(imp, text, sizeof(text) - 1, 0);
		if (n <= 0) {
			ret = -EIO;
		} else {
			text[n] = '\0';
			v = strstr(text, "vmap=");
			ret = v ? 0 : -EBADMSG;
			if (v)
				*vmap = atoi(v + 5);
		}
	}
	close(imp);
	return ret;
}

FIXTURE(rights) {
	int dev;
	int rw_coll, ro_coll;
	int rw, ro;
	bool loaded;
};

FIXTURE_SETUP(rights)
{
	self->rw = -1;
	self->ro = -1;
	self->loaded = false;
	self->dev = sysmem_open();
	ASSERT_LE(0, self->dev);
	ASSERT_EQ(0, alloc_pair(self->dev, USAGE_RW, 0, 1, SIZE, &self->rw,
				&self->ro, &self->rw_coll, &self->ro_coll));
	ASSERT_EQ(O_RDWR, fcntl(self->rw, F_GETFL) & O_ACCMODE);
	ASSERT_EQ(O_RDONLY, fcntl(self->ro, F_GETFL) & O_ACCMODE);
}

FIXTURE_TEARDOWN(rights)
{
	if (self->rw >= 0)
		close(self->rw);
	if (self->ro >= 0)
		close(self->ro);
	close_pair(&self->rw_coll, &self->ro_coll);
	if (self->loaded)
		sysmem_module_unload(TEST_HEAP);
	close(self->dev);
}

/* CPU access: the reader may read, not write; the writer may do both. */
TEST_F(rights, cpu_access)
{
	unsigned char *p;

	/* The VFS refuses a writable mapping of a file not open to write. */
	EXPECT_EQ(MAP_FAILED, mmap(NULL, SIZE, PROT_READ | PROT_WRITE,
				   MAP_SHARED, self->ro, 0));
	EXPECT_EQ(EACCES, errno);

	EXPECT_EQ(-EACCES, cpu_sync(self->ro, DMA_BUF_SYNC_START |
					      DMA_BUF_SYNC_WRITE));
	EXPECT_EQ(-EACCES, cpu_sync(self->ro, DMA_BUF_SYNC_START |
					      DMA_BUF_SYNC_RW));
	EXPECT_EQ(-EACCES, cpu_sync(self->ro, DMA_BUF_SYNC_END |
					      DMA_BUF_SYNC_WRITE));
	EXPECT_EQ(-EACCES, cpu_sync(self->ro, DMA_BUF_SYNC_END |
					      DMA_BUF_SYNC_RW));

	/* The writer writes, the reader reads it. */
	p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, self->rw, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, cpu_sync(self->rw, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE));
	memset(p, 0x5a, SIZE);
	ASSERT_EQ(0, cpu_sync(self->rw, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE));
	ASSERT_EQ(0, cpu_sync(self->rw, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW));
	p[1] = 0xa5;
	ASSERT_EQ(0, cpu_sync(self->rw, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW));
	ASSERT_EQ(0, cpu_sync(self->rw, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ));
	ASSERT_EQ(0, cpu_sync(self->rw, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ));
	munmap(p, SIZE);

	p = mmap(NULL, SIZE, PROT_READ, MAP_SHARED, self->ro, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, cpu_sync(self->ro, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ));
	EXPECT_EQ(0x5a, p[0]);
	EXPECT_EQ(0xa5, p[1]);
	EXPECT_EQ(0x5a, p[SIZE - 1]);
	ASSERT_EQ(0, cpu_sync(self->ro, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ));
	munmap(p, SIZE);
}

/*
 * A device mapping: the reader's fd maps for the device to read
 * (DMA_TO_DEVICE) and bidirectionally, not for the device to write.
 */
TEST_F(rights, device_map)
{
	int vmap = -1;

	if (!sysmem_module_loaded(TEST_HEAP)) {
		ASSERT_EQ(0, sysmem_module_load(TEST_HEAP_KO, ""));
		self->loaded = true;
	}
	EXPECT_EQ(-EACCES, import_dir(self->ro, DIR_FROM_DEVICE, &vmap));
	EXPECT_EQ(0, import_dir(self->ro, DIR_TO_DEVICE, &vmap));
	/* The kernel mapping has no read-only form: it is not refused. */
	EXPECT_EQ(0, vmap);
	vmap = -1;
	EXPECT_EQ(0, import_dir(self->ro, DIR_BIDIRECTIONAL, &vmap));
	EXPECT_EQ(0, vmap);

	vmap = -1;
	EXPECT_EQ(0, import_dir(self->rw, DIR_FROM_DEVICE, &vmap));
	EXPECT_EQ(0, vmap);
	EXPECT_EQ(0, import_dir(self->rw, DIR_TO_DEVICE, &vmap));
	EXPECT_EQ(0, import_dir(self->rw, DIR_BIDIRECTIONAL, &vmap));
	/* An unknown direction is the importer's EINVAL, not sysmem's. */
	EXPECT_EQ(-EINVAL, import_dir(self->rw, 3, &vmap));
}

/*
 * DRM PRIME import of the reader's fd into vgem works: DRM's import maps
 * every buffer DMA_BIDIRECTIONAL (6.1 and 6.12 vgem at import; 7.x vgem
 * imports without a device mapping), and a display importer only reads.
 */
TEST_F(rights, vgem_import)
{
	__u32 handle = 0;
	int card, ret;

	card = vgem_open();
	if (card < 0)
		SKIP(return, "no vgem device in " DRI_PATH);
	ret = prime_import(card, self->ro, &handle);
	ASSERT_EQ(0, ret)
		TH_LOG("PRIME import of a read-only fd: %s", strerror(-ret));
	EXPECT_NE(0, handle);
	EXPECT_EQ(0, gem_close(card, handle));
	close(card);
}

/* The first vivid instance with allocators=@alloc, or -1. */
static int vivid_instance(int alloc)
{
	char n_devs[16], al[256], *p, *save = NULL;
	int n, i = 0;

	if (read_file("/sys/module/vivid/parameters/n_devs", n_devs,
		      sizeof(n_devs)) ||
	    read_file("/sys/module/vivid/parameters/allocators", al,
		      sizeof(al)))
		return -1;
	n = atoi(n_devs);
	for (p = strtok_r(al, ",", &save); p && i < n;
	     p = strtok_r(NULL, ",", &save), i++)
		if (atoi(p) == alloc)
			return i;
	return -1;
}

/* Open the single-planar capture node of vivid instance @inst. */
static int vivid_open(struct v4l2s_cam *cam, int inst)
{
	struct v4l2_capability cap;
	char bus[32];
	int i, fd;

	snprintf(bus, sizeof(bus), "platform:vivid-%03d", inst);
	for (i = 0; i < 64; i++) {
		snprintf(cam->path, sizeof(cam->path), "/dev/video%d", i);
		fd = open(cam->path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		memset(&cap, 0, sizeof(cap));
		if (!v4l2s_ioctl(fd, VIDIOC_QUERYCAP, &cap) &&
		    !strcmp((const char *)cap.driver, "vivid") &&
		    !strcmp((const char *)cap.bus_info, bus) &&
		    (cap.device_caps & V4L2_CAP_VIDEO_CAPTURE) &&
		    (cap.device_caps & V4L2_CAP_STREAMING)) {
			cam->fd = fd;
			cam->type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
			return 0;
		}
		close(fd);
	}
	return -ENODEV;
}

#define NR_CAP	4

/* How many bytes of @fd's first @size bytes are not 0, read through it. */
static long nonzero_bytes(int fd, size_t size)
{
	unsigned char *p;
	long n = 0;
	size_t i;

	p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	if (cpu_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ)) {
		munmap(p, size);
		return -EIO;
	}
	for (i = 0; i < size; i++)
		n += !!p[i];
	cpu_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);
	munmap(p, size);
	return n;
}

/*
 * vivid instance @inst captures into buffer 0 of a collection: the
 * reader's fd first, then (when that is refused) the writer's.  With
 * @contig (vb2-dma-contig) the reader's QBUF must fail with EINVAL,
 * else (vb2-vmalloc, which imports through vmap only) it is taken and
 * filled: the path sysmem cannot refuse.  Each queued buffer must hold
 * vivid's frame afterwards.
 */
static void vivid_capture(struct __test_metadata *_metadata, int dev,
			  int inst, bool contig)
{
	int rw[NR_CAP], ro[NR_CAP], rw_coll, ro_coll, i;
	struct v4l2s_cam cam = { .fd = -1 };
	struct v4l2s_fmt vf;
	__u32 index = 0, used = 0;
	int *fds;

	ASSERT_EQ(0, vivid_open(&cam, inst))
		TH_LOG("vivid instance %d has no single-planar capture node", inst);
	memset(&vf, 0, sizeof(vf));
	ASSERT_EQ(0, v4l2s_fmt_ioctl(&cam, VIDIOC_G_FMT, &vf));
	ASSERT_LT(0, vf.sizeimage);

	/* dma-contig needs each buffer in one piece. */
	ASSERT_EQ(0, alloc_pair(dev, SYSMEM_USAGE_VIDEO_CAPTURE |
				SYSMEM_USAGE_CPU_READ,
				contig ? SYSMEM_CONSTRAINTS_PHYSICALLY_CONTIGUOUS : 0,
				NR_CAP, vf.sizeimage, rw, ro, &rw_coll,
				&ro_coll));
	for (i = 0; i < NR_CAP; i++) {
		ASSERT_EQ(O_RDWR, fcntl(rw[i], F_GETFL) & O_ACCMODE);
		ASSERT_EQ(O_RDONLY, fcntl(ro[i], F_GETFL) & O_ACCMODE);
		ASSERT_EQ(0, nonzero_bytes(ro[i], vf.sizeimage));
	}
	ASSERT_EQ(NR_CAP, v4l2s_reqbufs(&cam, NR_CAP, NULL));
	if (contig) {
		/* The map for the device to write fails. */
		EXPECT_EQ(-EINVAL, v4l2s_qbuf(&cam, 0, ro[0], vf.sizeimage));
		fds = rw;
	} else {
		/* vmap: not refused. */
		EXPECT_EQ(0, v4l2s_qbuf(&cam, 0, ro[0], vf.sizeimage));
		fds = ro;
	}
	/* The writer's fds of the other buffers (of all with @contig). */
	for (i = contig ? 0 : 1; i < NR_CAP; i++)
		ASSERT_EQ(0, v4l2s_qbuf(&cam, i, rw[i], vf.sizeimage));
	ASSERT_EQ(0, v4l2s_stream(&cam, true));
	ASSERT_EQ(0, v4l2s_dqbuf(&cam, &index, &used, 20000));
	ASSERT_EQ(0, index);
	EXPECT_EQ(vf.sizeimage, used);
	ASSERT_EQ(0, v4l2s_stream(&cam, false));
	ASSERT_EQ(0, v4l2s_reqbufs(&cam, 0, NULL));
	close(cam.fd);

	/* Buffer 0 holds the frame (vivid's bars are mostly not 0). */
	EXPECT_LT((long)vf.sizeimage / 4, nonzero_bytes(fds[0], vf.sizeimage))
		TH_LOG("%s fd: the frame is missing", contig ? "writer's" : "reader's");
	close_fds(rw, NR_CAP);
	close_fds(ro, NR_CAP);
	close_pair(&rw_coll, &ro_coll);
}

/*
 * vivid with vb2-dma-contig: the reader's fd queued for capture is
 * refused at VIDIOC_QBUF (the failed DMA_FROM_DEVICE map, which vb2
 * reports as EINVAL); the writer's fds of the same buffers capture.
 */
TEST_F(rights, vivid_contig_capture)
{
	int inst = vivid_instance(1);

	if (inst < 0)
		SKIP(return, "no vivid instance with allocators=1 (vb2-dma-contig)");
	vivid_capture(_metadata, self->dev, inst, true);
}

/*
 * vivid with vb2-vmalloc (its default) imports through vmap only, which
 * a read-only fd cannot refuse: the capture fills the reader's buffer.
 * This pins the documented hole (uapi.rst, "Read-only buffers").
 */
TEST_F(rights, vivid_vmalloc_not_enforced)
{
	int inst = vivid_instance(0);

	if (inst < 0)
		SKIP(return, "no vivid instance with allocators=0 (vb2-vmalloc)");
	vivid_capture(_metadata, self->dev, inst, false);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel participants: a kernel driver negotiating next to userspace.
 *
 * The participant is sysmem_test_camera.ko (sysmem_test_camera.c, a
 * made-up camera driver on the in-kernel participant API), which the
 * test loads itself from /lib/sysmem/sysmem_test_camera.ko, where the
 * VM runner puts it; it skips when that file is missing.  The camera
 * writes one known frame into every buffer from its changed() callback;
 * a userspace "display" reads it back at the negotiated offsets.
 * Each test loads the module and unloads it after; after every test
 * sysmem has no object left and every heap is back to its buffer count
 * from before the test.  Needs debugfs; the
 * fail-nth test needs failslab and skips without it.
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
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/dma-buf.h>

#include "kselftest_harness.h"
#include "libsysmem.h"
#include "sysmem_selftest.h"
#include "sysmem_test_camera.h"

#define CAMERA_KO	"/lib/sysmem/sysmem_test_camera.ko"
#define CAMERA_MOD	"sysmem_test_camera"

#define FOURCC(a, b, c, d) \
	((__u32)(a) | ((__u32)(b) << 8) | ((__u32)(c) << 16) | ((__u32)(d) << 24))
#define NV12		FOURCC('N', 'V', '1', '2')

/* The frame: 320x240 NV12; the display wants rows of 256-byte multiples. */
#define W		320
#define H		240
#define PITCH		512			/* 320 rounded up to 256 */
#define UV_OFFSET	(PITCH * H)		/* 122880 */
#define IMAGE_SIZE	(PITCH * H * 3 / 2)	/* 184320, 45 pages */
#define DISPLAY_CAMPING	2
#define NR_BUFFERS	(CAMERA_CAMPING + DISPLAY_CAMPING)
#define CAMERA_WAIT_MS	10000
/* Far more allocations than one camera ioctl makes. */
#define MAX_NTH		400

static const char *const heaps[] = { "system", "contiguous" };
#define NR_HEAPS	2

/*
 * The 6.1 harness runs the test body even when the fixture setup
 * skipped; every test starts with this.
 */
#define NEED_CAMERA() do { \
	if (!self->loaded) \
		SKIP(return, "%s", self->why); \
} while (0)

static int load_camera(void)
{
	int ret = sysmem_module_load(CAMERA_KO, "");

	return ret == -EEXIST ? 0 : ret;
}

/* Whether the kernel has a CMA area (Debian's stock kernel has none). */
static bool have_cma(void)
{
	unsigned long long kb = 0;
	char line[128];
	FILE *f;

	f = fopen("/proc/meminfo", "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CmaTotal: %llu kB", &kb) == 1)
			break;
	fclose(f);
	return kb > 0;
}

static int camera_bind(int cam, int token, __u32 flags, __u32 w, __u32 h)
{
	struct camera_bind b = {
		.token_fd = token, .flags = flags, .width = w, .height = h,
	};

	return ioctl(cam, CAMERA_IOC_BIND_TOKEN, &b) ? -errno : 0;
}

/* The camera starts a collection; returns userspace's token fd. */
static int camera_create(int cam, __u32 flags, __u32 w, __u32 h,
			 __u32 rights)
{
	struct camera_create c = {
		.flags = flags, .width = w, .height = h, .rights_mask = rights,
		.token_fd = -1,
	};

	return ioctl(cam, CAMERA_IOC_CREATE_TOKEN, &c) ? -errno : c.token_fd;
}

static int camera_status(int cam, struct camera_status *st)
{
	memset(st, 0xee, sizeof(*st));
	return ioctl(cam, CAMERA_IOC_STATUS, st) ? -errno : 0;
}

/* Wait until the camera's callback has run @calls times. */
static int camera_wait(int cam, __u32 calls)
{
	struct camera_wait w = { .timeout_ms = CAMERA_WAIT_MS, .calls = calls };

	return ioctl(cam, CAMERA_IOC_WAIT, &w) ? -errno : 0;
}

static int camera_release(int cam)
{
	return ioctl(cam, CAMERA_IOC_RELEASE) ? -errno : 0;
}

/* What the display saw, sent back from its process. */
struct report {
	int ret;		/* 0, or the first error */
	const char *step;	/* where it failed (a string literal) */
	unsigned int buffer_count, fd_count;
	__u64 collection_id;
	struct sysmem_buffer_settings settings;
	int rw_mmap_errno;	/* errno of a writable mmap of buffer 0 */
	unsigned int bad;	/* bytes not as the camera wrote them */
	unsigned int bad_buf;	/* the first one: its buffer, offset, */
	unsigned long long bad_off;
	unsigned int bad_val, want;	/* value and what it should be */
};

/* The display's side of a collection. */
struct display {
	int coll;
	unsigned int count;
	int fds[SYSMEM_MAX_BUFFERS];
};

/* Bind @token (consumed, closed), set display constraints and wait. */
static void display_setup(int dev, int token, struct display *d,
			  struct report *r)
{
	struct sysmem_image_constraints img;
	struct sysmem_buffer_constraints c;

	memset(r, 0, sizeof(*r));
	memset(d, 0, sizeof(*d));
	d->coll = sysmem_bind(dev, token);
	close(token);
	r->step = "bind";
	r->ret = d->coll;
	if (d->coll < 0)
		return;
	sysmem_set_debug_info(d->coll, "display", getpid());
	memset(&img, 0, sizeof(img));
	img.nr_formats = 1;
	img.formats[0].format = NV12;
	img.formats[0].modifier = SYSMEM_MODIFIER_LINEAR;
	img.nr_color_spaces = 1;
	img.color_spaces[0] = SYSMEM_COLOR_SPACE_REC709;
	img.bytes_per_row_divisor = 256;
	cons_init(&c, SYSMEM_USAGE_CPU_READ, DISPLAY_CAMPING, 0);
	c.image_formats = (__u64)(uintptr_t)&img;
	c.image_format_count = 1;
	r->step = "set_constraints";
	r->ret = sysmem_set_constraints(d->coll, &c);
	if (r->ret)
		return;
	r->step = "wait";
	r->ret = sysmem_wait(d->coll, WAIT_NS);
	if (r->ret)
		return;
	r->step = "get_result";
	r->ret = sysmem_get_result(d->coll, &r->settings, d->fds,
				   SYSMEM_MAX_BUFFERS, &r->buffer_count,
				   &r->fd_count);
	if (r->ret)
		return;
	d->count = r->fd_count;
	r->step = "collection_id";
	r->ret = sysmem_get_collection_id(d->coll, &r->collection_id);
}

static void bad_byte(struct report *r, unsigned int buf,
		     unsigned long long off, __u8 val, __u8 want)
{
	if (!r->bad++) {
		r->bad_buf = buf;
		r->bad_off = off;
		r->bad_val = val;
		r->want = want;
	}
}

/*
 * Check one buffer: each Y row and each UV row as the camera wrote it,
 * zero in the rest of each row (the pitch is the negotiated one, not
 * the width) and past the image.
 */
static void check_frame(struct report *r, unsigned int i, const __u8 *p,
			size_t len)
{
	const struct sysmem_image_format *img = &r->settings.image;
	unsigned long long off;
	__u8 want;

	for (off = 0; off < len; off++) {
		unsigned long long row, col;

		want = 0;
		if (off < img->planes[1].offset) {
			row = off / img->planes[0].bytes_per_row;
			col = off % img->planes[0].bytes_per_row;
			if (row < H && col < W)
				want = CAMERA_Y_BYTE(i, row);
		} else {
			row = (off - img->planes[1].offset) /
			      img->planes[1].bytes_per_row;
			col = (off - img->planes[1].offset) %
			      img->planes[1].bytes_per_row;
			if (row < H / 2 && col < W)
				want = CAMERA_UV_BYTE(i);
		}
		if (p[off] != want)
			bad_byte(r, i, off, p[off], want);
	}
}

/* Map every buffer read-only and check its frame; then leave. */
static void display_check(struct display *d, struct report *r)
{
	struct dma_buf_sync sync;
	unsigned int i;
	size_t len;
	void *p;

	if (r->ret)
		goto out;
	len = (r->settings.size_bytes + page_size() - 1) & ~(page_size() - 1);
	if (!d->count || r->settings.image.nr_planes != 2 ||
	    !r->settings.image.planes[0].bytes_per_row ||
	    !r->settings.image.planes[1].bytes_per_row) {
		r->step = "settings";
		r->ret = -EPROTO;
		goto out;
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, d->fds[0], 0);
	r->rw_mmap_errno = p == MAP_FAILED ? errno : 0;
	if (p != MAP_FAILED)
		munmap(p, len);
	for (i = 0; i < d->count; i++) {
		r->step = "mmap";
		p = mmap(NULL, len, PROT_READ, MAP_SHARED, d->fds[i], 0);
		if (p == MAP_FAILED) {
			r->ret = -errno;
			goto out;
		}
		sync.flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ;
		r->step = "sync";
		if (ioctl(d->fds[i], DMA_BUF_IOCTL_SYNC, &sync)) {
			r->ret = -errno;
			munmap(p, len);
			goto out;
		}
		check_frame(r, i, p, len);
		sync.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ;
		ioctl(d->fds[i], DMA_BUF_IOCTL_SYNC, &sync);
		munmap(p, len);
	}
	r->step = "done";
out:
	close_fds(d->fds, d->count);
	leave(d->coll);
	d->coll = -1;
}

/*
 * The display in a process of its own: receives its token on @sock,
 * waits for the allocation, then for a byte on @sock (the camera wrote
 * its frames), checks them and sends its report back on @sock.
 */
static void display_process(int sock)
{
	struct display d;
	struct report r;
	int dev, token;
	char go;

	dev = sysmem_open();
	token = sysmem_recv_token(sock);
	if (dev < 0 || token < 0)
		_exit(2);
	display_setup(dev, token, &d, &r);
	if (read(sock, &go, 1) != 1)
		_exit(3);
	display_check(&d, &r);
	if (write(sock, &r, sizeof(r)) != sizeof(r))
		_exit(4);
	close(dev);
	_exit(0);
}

FIXTURE(kp) {
	int dev;
	int cam;
	int loaded;
	__u32 contig;		/* CAMERA_CONTIGUOUS where there is CMA */
	int nth;		/* /proc/thread-self/fail-nth, or -1 */
	unsigned long long heap_base[NR_HEAPS];
	char why[128];
};

FIXTURE_SETUP(kp)
{
	struct sysmem_heap_stats st;
	struct sysmem_objects o;
	int ret, i;

	self->cam = -1;
	self->nth = -1;
	self->dev = sysmem_open();
	ASSERT_LE(0, self->dev);
	if (!have_debugfs()) {
		snprintf(self->why, sizeof(self->why), "no debugfs");
		SKIP(return, "%s", self->why);
	}
	ret = load_camera();
	if (ret == -ENOENT) {
		snprintf(self->why, sizeof(self->why),
			 "%s is not in this guest", CAMERA_KO);
		SKIP(return, "%s", self->why);
	}
	ASSERT_EQ(0, ret) TH_LOG("loading %s: %s", CAMERA_KO, strerror(-ret));
	self->loaded = 1;
	/* Every test starts from nothing and must end there. */
	ASSERT_EQ(0, sysmem_objects_settle(SETTLE_MS, &o));
	for (i = 0; i < NR_HEAPS; i++) {
		ASSERT_EQ(0, sysmem_read_heap_stats(heaps[i], &st));
		self->heap_base[i] = st.buffers;
	}
	self->contig = have_cma() ? CAMERA_CONTIGUOUS : 0;
	self->cam = open(CAMERA_DEV_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->cam);
}

FIXTURE_TEARDOWN(kp)
{
	struct sysmem_heap_stats st;
	struct sysmem_objects o;
	int i, ret;

	if (self->cam >= 0)
		close(self->cam);
	if (self->nth >= 0)
		fail_nth_close(self->nth);
	/* (TH_LOG here upsets gcc's format checks: plain printf.) */
	if (self->loaded) {
		ret = sysmem_objects_settle(SETTLE_MS, &o);
		if (ret)
			printf("# left: %lld collections, %lld nodes, %lld buffers, %lld trackers\n",
			       o.collections, o.nodes, o.buffers, o.trackers);
		EXPECT_EQ(0, ret);
		for (i = 0; i < NR_HEAPS; i++) {
			ret = sysmem_heap_settle(heaps[i], self->heap_base[i],
						 SETTLE_MS, &st);
			if (ret)
				printf("# heap %s: %llu buffers, %llu before\n",
				       heaps[i], st.buffers,
				       self->heap_base[i]);
			EXPECT_EQ(0, ret);
		}
		/*
		 * Each test loads the module and unloads it after, so
		 * that it never holds sysmem past this binary.
		 */
		ret = sysmem_module_unload(CAMERA_MOD);
		if (ret && ret != -ENOENT)
			printf("# unloading %s: %s\n", CAMERA_MOD,
			       strerror(-ret));
		EXPECT_TRUE(!ret || ret == -ENOENT);
	}
	close(self->dev);
}

/*
 * A token for the camera and one for the display (read-only) from a new
 * collection, whose root is released.
 */
static int two_tokens(int dev, int *cam_token, __u32 cam_rights,
		      int *disp_token, __u32 disp_rights)
{
	int root, ret = 0;

	root = sysmem_alloc_token(dev);
	if (root < 0)
		return root;
	*cam_token = sysmem_duplicate(root, cam_rights);
	*disp_token = sysmem_duplicate(root, disp_rights);
	if (*cam_token < 0 || *disp_token < 0)
		ret = -EIO;
	leave(root);
	return ret;
}

static void expect_settings(struct __test_metadata *_metadata,
			    const struct report *r, __u32 contig)
{
	const struct sysmem_image_format *img = &r->settings.image;

	EXPECT_EQ(NR_BUFFERS, r->buffer_count);
	EXPECT_EQ(NR_BUFFERS, r->fd_count);
	EXPECT_EQ(NR_BUFFERS, r->settings.buffer_count);
	ASSERT_TRUE(r->settings.flags & SYSMEM_SETTINGS_HAS_IMAGE_FORMAT);
	EXPECT_EQ(!!contig, !!(r->settings.flags &
			       SYSMEM_SETTINGS_PHYSICALLY_CONTIGUOUS));
	EXPECT_STREQ(contig ? "contiguous" : "system", r->settings.heap);
	EXPECT_EQ(NV12, img->format);
	EXPECT_EQ(SYSMEM_MODIFIER_LINEAR, img->modifier);
	EXPECT_EQ(SYSMEM_COLOR_SPACE_REC709, img->color_space);
	EXPECT_EQ(W, img->size.width);
	EXPECT_EQ(H, img->size.height);
	EXPECT_EQ(PITCH, img->bytes_per_row);
	EXPECT_EQ(2, img->nr_planes);
	EXPECT_EQ(0, img->planes[0].offset);
	EXPECT_EQ(PITCH, img->planes[0].bytes_per_row);
	EXPECT_EQ(UV_OFFSET, img->planes[1].offset);
	EXPECT_EQ(PITCH, img->planes[1].bytes_per_row);
	EXPECT_EQ(IMAGE_SIZE, img->image_size);
	EXPECT_EQ(IMAGE_SIZE, r->settings.size_bytes);
	EXPECT_TRUE(r->settings.usage & SYSMEM_USAGE_VIDEO_CAPTURE);
	EXPECT_TRUE(r->settings.usage & SYSMEM_USAGE_CPU_READ);
}

static void expect_frames(struct __test_metadata *_metadata,
			  const struct report *r)
{
	EXPECT_EQ(0, r->ret) TH_LOG("display: %s: %s", r->step,
				    strerror(-r->ret));
	EXPECT_STREQ("done", r->step);
	EXPECT_EQ(0, r->bad)
		TH_LOG("%u bytes wrong; first: buffer %u offset %llu: %#x, not %#x",
		       r->bad, r->bad_buf, r->bad_off, r->bad_val, r->want);
	/* Read-only rights: no writable mapping. */
	EXPECT_EQ(EACCES, r->rw_mmap_errno);
}

/* The camera wrote every frame and still holds its buffers. */
static void expect_streaming(struct __test_metadata *_metadata, int cam,
			     __u64 collection_id)
{
	struct camera_status st;

	ASSERT_EQ(0, camera_status(cam, &st));
	EXPECT_EQ(SYSMEM_STATE_ALLOCATED, st.state);
	EXPECT_EQ(SYSMEM_FAIL_NONE, st.reason);
	EXPECT_EQ(SYSMEM_STATE_ALLOCATED, st.cb_state);
	EXPECT_EQ(CAMERA_SAW_ALLOCATED, st.cb_seen);
	EXPECT_EQ(1, st.cb_calls);
	EXPECT_EQ(0, st.error);
	EXPECT_EQ(NR_BUFFERS, st.buffers);
	EXPECT_EQ(NR_BUFFERS, st.frames);
	EXPECT_EQ(NV12, st.format);
	EXPECT_EQ(IMAGE_SIZE, st.size_bytes);
	EXPECT_EQ(PITCH, st.bytes_per_row);
	EXPECT_EQ(UV_OFFSET, st.uv_offset);
	EXPECT_EQ(collection_id, st.collection_id);
}

/* Read new /dev/kmsg records; true once one contains both strings. */
static bool kmsg_find(int kmsg, const char *a, const char *b)
{
	char rec[2048];
	bool found = false;
	ssize_t n;

	while ((n = read(kmsg, rec, sizeof(rec) - 1)) > 0 || errno == EPIPE) {
		if (n <= 0)
			continue;	/* overwritten records: go on */
		rec[n] = '\0';
		if (strstr(rec, a) && strstr(rec, b))
			found = true;
	}
	return found;
}

/*
 * One round of (d): a camera streaming with a display, its file closed
 * without release.  True when the kernel log line of the failure names
 * the camera.
 */
static bool camera_closed_round(struct __test_metadata *_metadata,
				int dev, int *cam, __u32 contig)
{
	int cam_token, disp_token, kmsg;
	struct camera_status st;
	struct display d;
	struct report r;
	char coll[64], who[96];
	__u32 state, reason;
	bool found;

	if (*cam < 0)
		*cam = open(CAMERA_DEV_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, *cam);
	ASSERT_EQ(0, two_tokens(dev, &cam_token, SYSMEM_RIGHTS_SAME,
				&disp_token, SYSMEM_RIGHT_READ));
	ASSERT_EQ(0, camera_bind(*cam, cam_token, contig, W, H));
	close(cam_token);
	display_setup(dev, disp_token, &d, &r);
	ASSERT_EQ(0, r.ret) TH_LOG("%s: %s", r.step, strerror(-r.ret));
	ASSERT_EQ(0, camera_wait(*cam, 1));
	expect_streaming(_metadata, *cam, r.collection_id);
	ASSERT_EQ(0, camera_status(*cam, &st));

	kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_LE(0, kmsg);
	lseek(kmsg, 0, SEEK_END);
	close(*cam);
	*cam = -1;

	EXPECT_EQ(-EIO, sysmem_wait(d.coll, WAIT_NS));
	ASSERT_EQ(0, sysmem_check(d.coll, &state, &reason));
	EXPECT_EQ(SYSMEM_STATE_FAILED, state);
	EXPECT_EQ(SYSMEM_FAIL_PARTICIPANT_LOST, reason);
	snprintf(coll, sizeof(coll), "collection %llu ",
		 (unsigned long long)r.collection_id);
	snprintf(who, sizeof(who), "participant \"%s\" (id %llu)",
		 CAMERA_DBG_NAME, (unsigned long long)st.debug_id);
	found = kmsg_find(kmsg, coll, who);
	close(kmsg);

	/* The display's buffers outlive the failure, frames intact. */
	display_check(&d, &r);
	expect_frames(_metadata, &r);
	return found;
}

/*
 * (d) The camera's file closed without CAMERA_IOC_RELEASE: its node is
 * closed, which fails the collection for the display, and the log
 * names the camera.  sysmem's failure line is ratelimited (10 per 5 s):
 * should earlier tests have used up the burst, the line may be held
 * back, and the round runs again once a new interval has begun.
 */
TEST_F(kp, camera_closed_fails_userspace)
{
	NEED_CAMERA();
	if (camera_closed_round(_metadata, self->dev, &self->cam,
				self->contig))
		return;
	TH_LOG("no log line; again after the ratelimit interval");
	sleep(6);
	EXPECT_TRUE(camera_closed_round(_metadata, self->dev, &self->cam,
					self->contig))
		TH_LOG("no log line naming %s", CAMERA_DBG_NAME);
}

/*
 * (a) A token from userspace: the camera (kernel) and a display in
 * another process (read-only token, CPU read) negotiate; the display
 * reads the camera's frames at the negotiated offsets.
 */
TEST_F(kp, camera_and_display)
{
	int cam_token, disp_token, sv[2], status;
	struct report r;
	pid_t pid;

	NEED_CAMERA();
	ASSERT_EQ(0, two_tokens(self->dev, &cam_token, SYSMEM_RIGHTS_SAME,
				&disp_token, SYSMEM_RIGHT_READ));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(sv[0]);
		close(cam_token);
		close(disp_token);
		display_process(sv[1]);
	}
	close(sv[1]);
	ASSERT_EQ(0, sysmem_send_token(sv[0], disp_token));
	close(disp_token);

	ASSERT_EQ(0, camera_bind(self->cam, cam_token, self->contig, W, H));
	/* Consumed, as by SYSMEM_IOC_BIND. */
	EXPECT_EQ(-ESTALE, sysmem_duplicate(cam_token, SYSMEM_RIGHTS_SAME));
	close(cam_token);

	/* The frames are in: the display may look. */
	ASSERT_EQ(0, camera_wait(self->cam, 1));
	ASSERT_EQ(1, write(sv[0], "g", 1));
	ASSERT_EQ(sizeof(r), read(sv[0], &r, sizeof(r)));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);
	close(sv[0]);

	expect_frames(_metadata, &r);
	expect_settings(_metadata, &r, self->contig);
	expect_streaming(_metadata, self->cam, r.collection_id);
	ASSERT_EQ(0, camera_release(self->cam));
	EXPECT_EQ(-ESTALE, camera_release(self->cam));
}

/*
 * (b) The camera as initiator: it starts the collection and hands
 * userspace a read-only token of it.
 */
TEST_F(kp, camera_initiates)
{
	/* The token as a file installed last, or from get_fd(). */
	static const __u32 how[] = { 0, CAMERA_CREATE_GET_FD };
	struct camera_status st;
	struct display d;
	struct report r;
	unsigned int i;
	int token;

	NEED_CAMERA();
	for (i = 0; i < 2; i++) {
		token = camera_create(self->cam, self->contig | how[i], W, H,
				      SYSMEM_RIGHT_READ);
		ASSERT_LE(0, token) TH_LOG("%s", strerror(-token));
		EXPECT_EQ(FD_CLOEXEC, fcntl(token, F_GETFD));
		EXPECT_EQ(O_RDWR, fcntl(token, F_GETFL) & O_ACCMODE);
		/* Pending until the display joins. */
		ASSERT_EQ(0, camera_status(self->cam, &st));
		EXPECT_EQ(SYSMEM_STATE_PENDING, st.state);
		EXPECT_EQ(0, st.cb_calls);

		display_setup(self->dev, token, &d, &r);
		ASSERT_EQ(0, camera_wait(self->cam, 1));
		display_check(&d, &r);
		expect_frames(_metadata, &r);
		expect_settings(_metadata, &r, self->contig);
		expect_streaming(_metadata, self->cam, r.collection_id);
		ASSERT_EQ(0, camera_release(self->cam));
	}
	/* A second stream while the first is busy: one node per stream. */
	token = camera_create(self->cam, 0, W, H, SYSMEM_RIGHT_READ);
	ASSERT_LE(0, token);
	EXPECT_EQ(-EBUSY, camera_create(self->cam, 0, W, H,
					SYSMEM_RIGHT_READ));
	EXPECT_EQ(-EBUSY, camera_create(self->cam, CAMERA_CREATE_GET_FD, W, H,
					SYSMEM_RIGHT_READ));
	/* Nobody took part yet: both leave without failing anyone. */
	ASSERT_EQ(0, camera_release(self->cam));
	close(token);
}

/*
 * (c) A display that goes away without release fails the camera: its
 * callback sees ALLOCATED, then FAILED with PARTICIPANT_LOST, and it
 * drops its buffers.
 */
TEST_F(kp, display_lost_fails_camera)
{
	int cam_token, disp_token;
	struct camera_status st;
	struct display d;
	struct report r;

	NEED_CAMERA();
	ASSERT_EQ(0, two_tokens(self->dev, &cam_token, SYSMEM_RIGHTS_SAME,
				&disp_token, SYSMEM_RIGHT_READ));
	ASSERT_EQ(0, camera_bind(self->cam, cam_token, self->contig, W, H));
	close(cam_token);
	display_setup(self->dev, disp_token, &d, &r);
	ASSERT_EQ(0, r.ret) TH_LOG("%s: %s", r.step, strerror(-r.ret));
	ASSERT_EQ(0, camera_wait(self->cam, 1));
	expect_streaming(_metadata, self->cam, r.collection_id);

	/* The display dies: its fds close, none released. */
	close_fds(d.fds, d.count);
	close(d.coll);
	ASSERT_EQ(0, camera_wait(self->cam, 2));
	ASSERT_EQ(0, camera_status(self->cam, &st));
	EXPECT_EQ(SYSMEM_STATE_FAILED, st.cb_state);
	EXPECT_EQ(SYSMEM_FAIL_PARTICIPANT_LOST, st.cb_reason);
	EXPECT_EQ(CAMERA_SAW_ALLOCATED | CAMERA_SAW_FAILED, st.cb_seen);
	EXPECT_EQ(2, st.cb_calls);
	EXPECT_EQ(SYSMEM_STATE_FAILED, st.state);
	EXPECT_EQ(SYSMEM_FAIL_PARTICIPANT_LOST, st.reason);
	EXPECT_EQ(0, st.buffers);
	EXPECT_EQ(NR_BUFFERS, st.frames);
	EXPECT_EQ(0, st.error);
	/* Leaving a failed collection is clean. */
	EXPECT_EQ(0, camera_release(self->cam));

	/* The same before allocation: the camera alone hears of it. */
	ASSERT_EQ(0, two_tokens(self->dev, &cam_token, SYSMEM_RIGHTS_SAME,
				&disp_token, SYSMEM_RIGHT_READ));
	ASSERT_EQ(0, camera_bind(self->cam, cam_token, 0, W, H));
	close(cam_token);
	close(disp_token);
	ASSERT_EQ(0, camera_wait(self->cam, 1));
	ASSERT_EQ(0, camera_status(self->cam, &st));
	EXPECT_EQ(SYSMEM_STATE_FAILED, st.cb_state);
	EXPECT_EQ(SYSMEM_FAIL_PARTICIPANT_LOST, st.cb_reason);
	EXPECT_EQ(CAMERA_SAW_FAILED, st.cb_seen);
	EXPECT_EQ(1, st.cb_calls);
	EXPECT_EQ(0, st.frames);
	EXPECT_EQ(0, camera_release(self->cam));
}

/* What sysmem_knode_from_fd() refuses. */
TEST_F(kp, bind_refuses)
{
	int token, coll, null;

	NEED_CAMERA();
	EXPECT_EQ(-EBADF, camera_bind(self->cam, -1, 0, W, H));
	null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, null);
	EXPECT_EQ(-EINVAL, camera_bind(self->cam, null, 0, W, H));
	close(null);
	/* The allocator fd, a collection fd: not tokens. */
	EXPECT_EQ(-EINVAL, camera_bind(self->cam, self->dev, 0, W, H));
	token = sysmem_alloc_token(self->dev);
	ASSERT_LE(0, token);
	coll = sysmem_bind(self->dev, token);
	ASSERT_LE(0, coll);
	EXPECT_EQ(-EINVAL, camera_bind(self->cam, coll, 0, W, H));
	/* A bound token is no longer live. */
	EXPECT_EQ(-ESTALE, camera_bind(self->cam, token, 0, W, H));
	close(token);
	leave(coll);
	/* A weak token: kernel participants are strong. */
	token = sysmem_alloc_token(self->dev);
	ASSERT_LE(0, token);
	ASSERT_EQ(0, sysmem_set_weak(token));
	EXPECT_EQ(-EPERM, camera_bind(self->cam, token, 0, W, H));
	/* Refused, not consumed: it still leaves cleanly. */
	EXPECT_EQ(0, sysmem_release(token));
	close(token);
	/* The camera's own checks. */
	EXPECT_EQ(-EINVAL, camera_bind(self->cam, -1, 0, W + 1, H));
	EXPECT_EQ(-EINVAL, camera_bind(self->cam, -1, 1U << 31, W, H));
	EXPECT_EQ(-ESTALE, camera_release(self->cam));
}

/* Small frames: the loops allocate many times. */
#define FW	64
#define FH	32

/*
 * After a camera ioctl that succeeded: the camera's collection ends
 * allocated with its frames written, or failed with a reason, and
 * userspace's node (@coll) agrees.
 */
static void expect_outcome(struct __test_metadata *_metadata, int cam,
			   int coll, int n)
{
	struct camera_status st;
	__u32 state, reason;
	int ret;

	ret = sysmem_wait(coll, WAIT_NS);
	ASSERT_EQ(0, camera_wait(cam, 1)) TH_LOG("n=%d", n);
	ASSERT_EQ(0, camera_status(cam, &st));
	ASSERT_EQ(0, sysmem_check(coll, &state, &reason));
	EXPECT_EQ(st.cb_state, state) TH_LOG("n=%d", n);
	EXPECT_EQ(st.cb_reason, reason) TH_LOG("n=%d", n);
	if (ret) {
		EXPECT_EQ(-EIO, ret) TH_LOG("n=%d", n);
		EXPECT_EQ(SYSMEM_STATE_FAILED, state) TH_LOG("n=%d", n);
		EXPECT_NE(SYSMEM_FAIL_NONE, reason) TH_LOG("n=%d", n);
	} else {
		EXPECT_EQ(SYSMEM_STATE_ALLOCATED, st.cb_state);
		EXPECT_EQ(0, st.error) TH_LOG("n=%d", n);
		EXPECT_EQ(CAMERA_CAMPING + 1, st.frames) TH_LOG("n=%d", n);
	}
}

static void bind_user(int dev, int token, int *coll)
{
	struct sysmem_buffer_constraints c;

	*coll = sysmem_bind(dev, token);
	close(token);
	if (*coll < 0)
		return;
	cons_init(&c, SYSMEM_USAGE_CPU_READ, 1, 0);
	sysmem_set_constraints(*coll, &c);
}

/* Generous: each attempt negotiates under a KASAN kernel in TCG. */
#define FAIL_NTH_TIMEOUT	300

#define NEED_FAIL_NTH(nth) do { \
	nth = fail_nth_open(); \
	if (nth == -ENOENT) \
		SKIP(return, "kernel without failslab or fail-nth"); \
	ASSERT_LE(0, nth); \
	self->nth = nth; \
} while (0)

/*
 * (f) Every allocation of the camera's bind ioctl made to fail in turn,
 * until one gets through, the display's constraints already set (so
 * the negotiation and the allocation run in it too): each attempt fails
 * cleanly (an error from the ioctl and the collection failed, or the
 * collection failed with a reason) and leaves nothing.
 */
TEST_F_TIMEOUT(kp, fail_nth_bind, FAIL_NTH_TIMEOUT)
{
	int nth, n, ret, cam_token, disp_token, coll;
	struct sysmem_objects o;
	__u32 state, reason;
	bool hit = true;

	NEED_CAMERA();
	NEED_FAIL_NTH(nth);
	for (n = 1; hit && n < MAX_NTH; n++) {
		ASSERT_EQ(0, two_tokens(self->dev, &cam_token,
					SYSMEM_RIGHTS_SAME, &disp_token,
					SYSMEM_RIGHT_READ));
		bind_user(self->dev, disp_token, &coll);
		ASSERT_LE(0, coll);
		fail_nth_arm(nth, n);
		ret = camera_bind(self->cam, cam_token, 0, FW, FH);
		hit = fail_nth_disarm(nth);
		close(cam_token);
		if (ret) {
			EXPECT_TRUE(hit) TH_LOG("n=%d: %s", n, strerror(-ret));
			EXPECT_EQ(-ENOMEM, ret) TH_LOG("n=%d", n);
			/* The camera's token is gone without release. */
			EXPECT_EQ(-EIO, sysmem_wait(coll, WAIT_NS));
			ASSERT_EQ(0, sysmem_check(coll, &state, &reason));
			EXPECT_EQ(SYSMEM_FAIL_PARTICIPANT_LOST, reason)
				TH_LOG("n=%d", n);
			EXPECT_EQ(-ESTALE, camera_release(self->cam));
		} else {
			expect_outcome(_metadata, self->cam, coll, n);
			EXPECT_EQ(0, camera_release(self->cam));
		}
		leave(coll);
		ASSERT_EQ(0, sysmem_objects_settle(SETTLE_MS, &o))
			TH_LOG("n=%d", n);
		if (!hit)
			EXPECT_EQ(0, ret);
	}
	EXPECT_FALSE(hit) TH_LOG("BIND_TOKEN still failing at n=%d", n);
	TH_LOG("BIND_TOKEN: %d allocations failed in turn", n - 2);
}

/*
 * (f) The same for the camera as initiator: a failed create leaves no
 * node and no fd.
 */
TEST_F_TIMEOUT(kp, fail_nth_create, FAIL_NTH_TIMEOUT)
{
	static const __u32 how[] = { 0, CAMERA_CREATE_GET_FD };
	int nth, n, ret, coll, fd0;
	struct sysmem_objects o;
	unsigned int i;
	bool hit;

	NEED_CAMERA();
	NEED_FAIL_NTH(nth);
	for (i = 0; i < 2; i++) {
		for (hit = true, n = 1; hit && n < MAX_NTH; n++) {
			fd0 = next_fd();
			fail_nth_arm(nth, n);
			ret = camera_create(self->cam, how[i], FW, FH,
					    SYSMEM_RIGHT_READ);
			hit = fail_nth_disarm(nth);
			if (ret < 0) {
				EXPECT_TRUE(hit) TH_LOG("n=%d: %s", n,
							strerror(-ret));
				EXPECT_EQ(-ENOMEM, ret) TH_LOG("n=%d", n);
				/* No fd left behind, no node kept. */
				EXPECT_EQ(fd0, next_fd()) TH_LOG("n=%d", n);
				EXPECT_EQ(-ESTALE, camera_release(self->cam));
			} else {
				bind_user(self->dev, ret, &coll);
				ASSERT_LE(0, coll);
				expect_outcome(_metadata, self->cam, coll, n);
				EXPECT_EQ(0, camera_release(self->cam));
				leave(coll);
			}
			ASSERT_EQ(0, sysmem_objects_settle(SETTLE_MS, &o))
				TH_LOG("n=%d", n);
			if (!hit)
				EXPECT_LE(0, ret);
		}
		EXPECT_FALSE(hit) TH_LOG("CREATE_TOKEN still failing at n=%d",
					 n);
		TH_LOG("CREATE_TOKEN%s: %d allocations failed in turn",
		       how[i] ? " (get_fd)" : "", n - 2);
	}
}

/*
 * (e) Unloading the camera module while it holds nodes: one stream kept
 * pending, one kept allocated with its buffers.  Module exit closes
 * both, which fails both collections for userspace, and drops the
 * buffers it held.
 */
TEST_F(kp, unload_with_kept_nodes)
{
	int cam_token, disp_token, cam2, pending;
	struct display d;
	struct report r;
	__u32 state, reason;

	NEED_CAMERA();
	/* Pending: the other participant never sets constraints. */
	ASSERT_EQ(0, two_tokens(self->dev, &cam_token, SYSMEM_RIGHTS_SAME,
				&disp_token, SYSMEM_RIGHT_READ));
	ASSERT_EQ(0, camera_bind(self->cam, cam_token, 0, W, H));
	close(cam_token);
	pending = sysmem_bind(self->dev, disp_token);
	close(disp_token);
	ASSERT_LE(0, pending);
	ASSERT_EQ(0, ioctl(self->cam, CAMERA_IOC_KEEP));
	close(self->cam);
	self->cam = -1;

	/* Allocated, the camera holding its buffers. */
	cam2 = open(CAMERA_DEV_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, cam2);
	ASSERT_EQ(0, two_tokens(self->dev, &cam_token, SYSMEM_RIGHTS_SAME,
				&disp_token, SYSMEM_RIGHT_READ));
	ASSERT_EQ(0, camera_bind(cam2, cam_token, self->contig, W, H));
	close(cam_token);
	display_setup(self->dev, disp_token, &d, &r);
	ASSERT_EQ(0, r.ret) TH_LOG("%s: %s", r.step, strerror(-r.ret));
	ASSERT_EQ(0, camera_wait(cam2, 1));
	expect_streaming(_metadata, cam2, r.collection_id);
	ASSERT_EQ(0, ioctl(cam2, CAMERA_IOC_KEEP));
	close(cam2);

	/* Nothing happened to either collection yet. */
	ASSERT_EQ(0, sysmem_check(pending, &state, &reason));
	EXPECT_EQ(SYSMEM_STATE_PENDING, state);
	ASSERT_EQ(0, sysmem_check(d.coll, &state, &reason));
	EXPECT_EQ(SYSMEM_STATE_ALLOCATED, state);

	ASSERT_EQ(0, sysmem_module_unload(CAMERA_MOD)) TH_LOG("%s", strerror(errno));
	EXPECT_FALSE(sysmem_module_loaded(CAMERA_MOD));

	EXPECT_EQ(-EIO, sysmem_wait(pending, WAIT_NS));
	ASSERT_EQ(0, sysmem_check(pending, &state, &reason));
	EXPECT_EQ(SYSMEM_STATE_FAILED, state);
	EXPECT_EQ(SYSMEM_FAIL_PARTICIPANT_LOST, reason);
	leave(pending);

	EXPECT_EQ(-EIO, sysmem_wait(d.coll, WAIT_NS));
	ASSERT_EQ(0, sysmem_check(d.coll, &state, &reason));
	EXPECT_EQ(SYSMEM_STATE_FAILED, state);
	EXPECT_EQ(SYSMEM_FAIL_PARTICIPANT_LOST, reason);
	/* The display's buffers still hold the frames. */
	display_check(&d, &r);
	expect_frames(_metadata, &r);
	/* The teardown checks that the module's buffers are back too. */
}

TEST_HARNESS_MAIN

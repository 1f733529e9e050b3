// SPDX-License-Identifier: GPL-2.0
/*
 * Image format negotiation across processes: camera-, decoder-, GPU- and
 * display-like participants, each in its own process, negotiate a
 * pipeline over unix sockets and must all read the same layout.
 */
#define _GNU_SOURCE
#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "libsysmem.h"

#define FOURCC(a, b, c, d) \
	((__u32)(a) | (__u32)(b) << 8 | (__u32)(c) << 16 | (__u32)(d) << 24)
#define NV12		FOURCC('N', 'V', '1', '2')
#define P010		FOURCC('P', '0', '1', '0')
#define ARGB8888	FOURCC('A', 'R', '2', '4')
#define XRGB8888	FOURCC('X', 'R', '2', '4')
#define ABGR8888	FOURCC('A', 'B', '2', '4')
#define XRGB2101010	FOURCC('X', 'R', '3', '0')
#define MAX_PARTS	3
#define MAX_ENTRIES	2

struct participant {
	const char *name;
	unsigned int index;
	struct sysmem_buffer_constraints c;
	unsigned int nr_images;
	struct sysmem_image_constraints images[MAX_ENTRIES];
};

/* What each process reports back: its view of the result. */
struct report {
	unsigned int index;
	int ret;
	unsigned int buffer_count;
	unsigned int fd_count;
	__u64 collection_id;
	struct sysmem_buffer_settings settings;
	__u32 marker;	/* read at the chroma plane of buffer 0 */
};

static void entry(struct sysmem_image_constraints *ic, __u32 color_space)
{
	memset(ic, 0, sizeof(*ic));
	ic->nr_color_spaces = 1;
	ic->color_spaces[0] = color_space;
}

static void add_format(struct sysmem_image_constraints *ic, __u32 format,
		       __u64 modifier)
{
	ic->formats[ic->nr_formats].format = format;
	ic->formats[ic->nr_formats++].modifier = modifier;
}

/*
 * The participant's side: bind, set constraints, wait, get the result,
 * and touch the chroma plane of buffer 0 (the first participant writes
 * a marker there, the others read it after a barrier on @sync).
 */
static void run_participant(int dev, int token, struct participant *p,
			    unsigned int readers, bool writer, int sync, int out)
{
	struct report r = { .index = p->index };
	int coll, fds[SYSMEM_MAX_BUFFERS];
	unsigned int i;
	char byte = 0;

	coll = sysmem_bind(dev, token);
	r.ret = coll < 0 ? coll : 0;
	if (!r.ret) {
		p->c.image_formats = (__u64)(uintptr_t)p->images;
		p->c.image_format_count = p->nr_images;
		r.ret = sysmem_set_constraints(coll, &p->c);
	}
	if (!r.ret)
		r.ret = sysmem_wait(coll, -1);
	if (!r.ret)
		r.ret = sysmem_get_result(coll, &r.settings, fds,
					  SYSMEM_MAX_BUFFERS, &r.buffer_count,
					  &r.fd_count);
	if (!r.ret)
		r.ret = sysmem_get_collection_id(coll, &r.collection_id);
	if (!r.ret && r.fd_count) {
		const struct sysmem_image_format *img = &r.settings.image;
		__u64 len = r.settings.size_bytes;
		__u8 *map;

		map = mmap(NULL, len, PROT_READ | (writer ? PROT_WRITE : 0),
			   MAP_SHARED, fds[0], 0);
		if (map == MAP_FAILED) {
			r.ret = -errno;
		} else {
			__u32 *m = (__u32 *)(map + img->planes[img->nr_planes - 1].offset);

			if (writer) {
				*m = 0x5157e3u;
				for (i = 0; i < readers; i++)
					if (write(sync, "w", 1) != 1)
						r.ret = -EIO;
			} else if (read(sync, &byte, 1) != 1) {
				r.ret = -EIO;
			}
			r.marker = *m;
			munmap(map, len);
		}
	}
	for (i = 0; i < r.fd_count; i++)
		close(fds[i]);
	if (coll >= 0) {
		sysmem_release(coll);
		close(coll);
	}
	if (write(out, &r, sizeof(r)) != sizeof(r))
		_exit(2);
}

/*
 * Negotiate among @n participants, each in a child process that
 * receives its token over a unix socket; fill @reports.
 */
static int negotiate(struct participant *parts, unsigned int n,
		     struct report *reports)
{
	int dev, root, tokens[MAX_PARTS], sock[MAX_PARTS][2], out[2], sync[2];
	__u32 masks[MAX_PARTS];
	pid_t pids[MAX_PARTS];
	unsigned int i;
	int status, ret = 0;

	dev = sysmem_open();
	if (dev < 0)
		return dev;
	root = sysmem_alloc_token(dev);
	if (root < 0)
		return root;
	for (i = 0; i < n; i++)
		masks[i] = SYSMEM_RIGHTS_SAME;
	ret = sysmem_duplicate_many(root, masks, tokens, n);
	if (ret)
		return ret;
	/* The root only hands out tokens. */
	sysmem_release(root);
	close(root);
	if (pipe(out) || pipe(sync))
		return -errno;
	for (i = 0; i < n; i++) {
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sock[i]))
			return -errno;
		parts[i].index = i;
		pids[i] = fork();
		if (pids[i] < 0)
			return -errno;
		if (!pids[i]) {
			int token;

			close(sock[i][0]);
			token = sysmem_recv_token(sock[i][1]);
			if (token < 0)
				_exit(3);
			/* Each child gets its own end of the result pipe. */
			run_participant(dev, token, &parts[i], n - 1, i == 0,
					i == 0 ? sync[1] : sync[0], out[1]);
			_exit(0);
		}
		close(sock[i][1]);
		if (sysmem_send_token(sock[i][0], tokens[i]))
			return -EIO;
		close(tokens[i]);
		close(sock[i][0]);
	}
	/* Reports arrive in any order; each names its participant. */
	for (i = 0; i < n; i++) {
		struct report r;

		if (read(out[0], &r, sizeof(r)) != sizeof(r) || r.index >= n) {
			ret = -EIO;
			break;
		}
		reports[r.index] = r;
	}
	for (i = 0; i < n; i++) {
		waitpid(pids[i], &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			ret = -ECHILD;
	}
	close(out[0]);
	close(out[1]);
	close(sync[0]);
	close(sync[1]);
	close(dev);
	return ret;
}

/* Every participant saw the same collection, settings and layout. */
static void check_same(struct __test_metadata *_metadata,
		       struct report *reports, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, reports[i].ret) TH_LOG("participant %u", i);
		EXPECT_EQ(reports[0].collection_id, reports[i].collection_id);
		EXPECT_EQ(reports[0].buffer_count, reports[i].buffer_count);
		EXPECT_EQ(0, memcmp(&reports[0].settings, &reports[i].settings,
				    sizeof(reports[0].settings)));
		EXPECT_EQ(0x5157e3u, reports[i].marker) TH_LOG("participant %u", i);
	}
}

static const char *domain_name(__u32 d)
{
	switch (d) {
	case SYSMEM_DOMAIN_CPU:
		return "CPU";
	case SYSMEM_DOMAIN_RAM:
		return "RAM";
	case SYSMEM_DOMAIN_INACCESSIBLE:
		return "inaccessible";
	}
	return "?";
}

static const char *color_space_name(__u32 cs)
{
	static const char * const names[] = {
		[SYSMEM_COLOR_SPACE_SRGB] = "sRGB",
		[SYSMEM_COLOR_SPACE_REC601_NTSC] = "REC601-NTSC",
		[SYSMEM_COLOR_SPACE_REC601_NTSC_FULL_RANGE] = "REC601-NTSC-full",
		[SYSMEM_COLOR_SPACE_REC601_PAL] = "REC601-PAL",
		[SYSMEM_COLOR_SPACE_REC601_PAL_FULL_RANGE] = "REC601-PAL-full",
		[SYSMEM_COLOR_SPACE_REC709] = "REC709",
		[SYSMEM_COLOR_SPACE_REC2020] = "REC2020",
		[SYSMEM_COLOR_SPACE_REC2100] = "REC2100",
		[SYSMEM_COLOR_SPACE_PASSTHROUGH] = "passthrough",
	};

	return cs < sizeof(names) / sizeof(names[0]) && names[cs] ?
	       names[cs] : "?";
}

/* The negotiated result in one line, for the log (vm-debug.out). */
static void print_result(struct __test_metadata *_metadata, const char *what,
			 const struct report *r)
{
	const struct sysmem_buffer_settings *s = &r->settings;
	const struct sysmem_image_format *img = &s->image;
	char planes[128] = "";
	unsigned int i;
	size_t n = 0;

	for (i = 0; i < img->nr_planes && i < SYSMEM_MAX_PLANES; i++)
		n += snprintf(planes + n, sizeof(planes) - n, "%s%llu/%u",
			      i ? " " : "",
			      (unsigned long long)img->planes[i].offset,
			      img->planes[i].bytes_per_row);
	TH_LOG("%s: %.4s modifier %#llx color space %s, %ux%u, row pitch %u, planes (offset/pitch) %s, image %llu bytes, buffers %u x %llu bytes, heap %s, domain %s",
	       what, (const char *)&img->format,
	       (unsigned long long)img->modifier,
	       color_space_name(img->color_space),
	       img->size.width, img->size.height, img->bytes_per_row, planes,
	       (unsigned long long)img->image_size, r->buffer_count,
	       (unsigned long long)s->size_bytes, s->heap,
	       domain_name(s->coherency_domain));
}

TEST(camera_to_display_nv12)
{
	struct participant p[2] = {
		{ .name = "camera" }, { .name = "display" },
	};
	struct sysmem_image_format l;
	struct report r[2];
	const struct sysmem_image_format *img = &r[0].settings.image;

	/* Camera: NV12 1080p, rows aligned to 256 bytes, writes frames. */
	p[0].c.usage = SYSMEM_USAGE_VIDEO_CAPTURE;
	p[0].c.min_buffer_count_for_camping = 3;
	p[0].nr_images = 1;
	entry(&p[0].images[0], SYSMEM_COLOR_SPACE_REC709);
	p[0].images[0].nr_color_spaces = 2;
	p[0].images[0].color_spaces[1] = SYSMEM_COLOR_SPACE_REC601_NTSC;
	add_format(&p[0].images[0], NV12, SYSMEM_MODIFIER_LINEAR);
	p[0].images[0].flags = SYSMEM_IMAGE_HAS_REQUIRED_MAX_SIZE;
	p[0].images[0].required_max_size = (struct sysmem_size){ 1920, 1080 };
	p[0].images[0].max_size = (struct sysmem_size){ 1920, 1080 };
	p[0].images[0].flags |= SYSMEM_IMAGE_HAS_MAX_SIZE;
	p[0].images[0].bytes_per_row_divisor = 256;

	/* Display: scans out NV12 (REC709) or ARGB8888 (sRGB). */
	p[1].c.usage = SYSMEM_USAGE_DISPLAY_LAYER;
	p[1].c.min_buffer_count_for_camping = 2;
	p[1].nr_images = 2;
	entry(&p[1].images[0], SYSMEM_COLOR_SPACE_REC709);
	add_format(&p[1].images[0], NV12, SYSMEM_MODIFIER_LINEAR);
	entry(&p[1].images[1], SYSMEM_COLOR_SPACE_SRGB);
	add_format(&p[1].images[1], ARGB8888, SYSMEM_MODIFIER_LINEAR);

	ASSERT_EQ(0, negotiate(p, 2, r));
	check_same(_metadata, r, 2);
	print_result(_metadata, "camera to display", &r[0]);
	EXPECT_EQ(5, r[0].buffer_count);
	EXPECT_EQ(SYSMEM_DOMAIN_RAM, r[0].settings.coherency_domain);
	ASSERT_TRUE(r[0].settings.flags & SYSMEM_SETTINGS_HAS_IMAGE_FORMAT);
	EXPECT_EQ(NV12, img->format);
	EXPECT_EQ(SYSMEM_MODIFIER_LINEAR, img->modifier);
	EXPECT_EQ(SYSMEM_COLOR_SPACE_REC709, img->color_space);
	EXPECT_EQ(1920, img->size.width);
	EXPECT_EQ(1080, img->size.height);
	/* 1920 rounded up to a multiple of 256. */
	EXPECT_EQ(2048, img->bytes_per_row);
	EXPECT_EQ(2, img->nr_planes);
	EXPECT_EQ(0, img->planes[0].offset);
	EXPECT_EQ(2048, img->planes[0].bytes_per_row);
	EXPECT_EQ(2048 * 1080, img->planes[1].offset);	/* 2211840 */
	EXPECT_EQ(2048, img->planes[1].bytes_per_row);
	EXPECT_EQ(2048 * 1080 * 3 / 2, img->image_size);	/* 3317760 */
	EXPECT_EQ(3317760, r[0].settings.size_bytes);

	/* Switching to 720p inside the same buffers: libsysmem's layout. */
	ASSERT_EQ(0, sysmem_image_layout(img, 1280, 720, &l));
	EXPECT_EQ(1280, l.bytes_per_row);		/* 5 * 256 */
	EXPECT_EQ(1280 * 720, l.planes[1].offset);	/* 921600 */
	EXPECT_EQ(1280, l.planes[1].bytes_per_row);
	EXPECT_EQ(1382400, l.image_size);
	EXPECT_EQ(-EINVAL, sysmem_image_layout(img, 1281, 720, &l));
	EXPECT_EQ(-EINVAL, sysmem_image_layout(img, 3840, 2160, &l));
}

TEST(decoder_gpu_display_nv12)
{
	struct participant p[3] = {
		{ .name = "decoder" }, { .name = "gpu" }, { .name = "display" },
	};
	struct report r[3];
	const struct sysmem_image_format *img = &r[0].settings.image;

	/* Decoder: NV12 or P010 up to 4K, 128-byte rows. */
	p[0].c.usage = SYSMEM_USAGE_VIDEO_DECODER;
	p[0].c.min_buffer_count_for_camping = 4;
	p[0].nr_images = 1;
	entry(&p[0].images[0], SYSMEM_COLOR_SPACE_REC709);
	add_format(&p[0].images[0], NV12, SYSMEM_MODIFIER_LINEAR);
	add_format(&p[0].images[0], P010, SYSMEM_MODIFIER_LINEAR);
	p[0].images[0].flags = SYSMEM_IMAGE_HAS_REQUIRED_MAX_SIZE;
	p[0].images[0].required_max_size = (struct sysmem_size){ 3840, 2160 };
	p[0].images[0].bytes_per_row_divisor = 128;

	/* GPU: samples anything, any color space. */
	p[1].c.usage = SYSMEM_USAGE_VULKAN_SAMPLED;
	p[1].c.min_buffer_count_for_camping = 1;
	p[1].nr_images = 1;
	entry(&p[1].images[0], SYSMEM_COLOR_SPACE_DO_NOT_CARE);
	add_format(&p[1].images[0], SYSMEM_FORMAT_DO_NOT_CARE,
		   SYSMEM_MODIFIER_DO_NOT_CARE);

	/* Display: NV12 only, up to 4096x2160. */
	p[2].c.usage = SYSMEM_USAGE_DISPLAY_LAYER;
	p[2].c.min_buffer_count_for_camping = 1;
	p[2].nr_images = 1;
	entry(&p[2].images[0], SYSMEM_COLOR_SPACE_REC709);
	add_format(&p[2].images[0], NV12, SYSMEM_MODIFIER_LINEAR);
	p[2].images[0].flags = SYSMEM_IMAGE_HAS_MAX_SIZE;
	p[2].images[0].max_size = (struct sysmem_size){ 4096, 2160 };

	ASSERT_EQ(0, negotiate(p, 3, r));
	check_same(_metadata, r, 3);
	print_result(_metadata, "decoder to GPU to display", &r[0]);
	EXPECT_EQ(6, r[0].buffer_count);
	EXPECT_EQ(NV12, img->format);
	EXPECT_EQ(SYSMEM_COLOR_SPACE_REC709, img->color_space);
	EXPECT_EQ(3840, img->size.width);
	EXPECT_EQ(2160, img->size.height);
	EXPECT_EQ(3840, img->bytes_per_row);		/* 30 * 128 */
	EXPECT_EQ(3840 * 2160, img->planes[1].offset);	/* 8294400 */
	EXPECT_EQ(3840 * 2160 * 3 / 2, img->image_size);	/* 12441600 */
	EXPECT_EQ(12441600, r[0].settings.size_bytes);
}

TEST(gpu_render_target_to_display_argb)
{
	struct participant p[2] = {
		{ .name = "gpu" }, { .name = "display" },
	};
	struct report r[2];
	const struct sysmem_image_format *img = &r[0].settings.image;

	/* GPU renders 1440p into ARGB, XRGB or ABGR. */
	p[0].c.usage = SYSMEM_USAGE_VULKAN_COLOR_ATTACHMENT;
	p[0].c.min_buffer_count_for_camping = 2;
	p[0].nr_images = 1;
	entry(&p[0].images[0], SYSMEM_COLOR_SPACE_SRGB);
	add_format(&p[0].images[0], ARGB8888, SYSMEM_MODIFIER_LINEAR);
	add_format(&p[0].images[0], XRGB8888, SYSMEM_MODIFIER_LINEAR);
	add_format(&p[0].images[0], ABGR8888, SYSMEM_MODIFIER_LINEAR);
	p[0].images[0].flags = SYSMEM_IMAGE_HAS_REQUIRED_MAX_SIZE;
	p[0].images[0].required_max_size = (struct sysmem_size){ 2560, 1440 };
	p[0].images[0].bytes_per_row_divisor = 64;

	/* Display: XRGB or ARGB, rows of 64 bytes, up to 4096x4096. */
	p[1].c.usage = SYSMEM_USAGE_DISPLAY_LAYER;
	p[1].c.min_buffer_count_for_camping = 1;
	p[1].nr_images = 1;
	entry(&p[1].images[0], SYSMEM_COLOR_SPACE_SRGB);
	add_format(&p[1].images[0], XRGB8888, SYSMEM_MODIFIER_LINEAR);
	add_format(&p[1].images[0], ARGB8888, SYSMEM_MODIFIER_LINEAR);
	p[1].images[0].flags = SYSMEM_IMAGE_HAS_MAX_SIZE;
	p[1].images[0].max_size = (struct sysmem_size){ 4096, 4096 };
	p[1].images[0].bytes_per_row_divisor = 64;

	ASSERT_EQ(0, negotiate(p, 2, r));
	check_same(_metadata, r, 2);
	print_result(_metadata, "GPU render target to display", &r[0]);
	EXPECT_EQ(3, r[0].buffer_count);
	/* Same cost; the first participant listed ARGB8888 first. */
	EXPECT_EQ(ARGB8888, img->format);
	EXPECT_EQ(SYSMEM_COLOR_SPACE_SRGB, img->color_space);
	EXPECT_EQ(2560, img->size.width);
	EXPECT_EQ(1440, img->size.height);
	EXPECT_EQ(10240, img->bytes_per_row);		/* 2560 * 4 */
	EXPECT_EQ(1, img->nr_planes);
	EXPECT_EQ(10240 * 1440, img->image_size);	/* 14745600 */
	EXPECT_EQ(14745600, r[0].settings.size_bytes);
}

TEST(no_common_format_fails)
{
	struct sysmem_buffer_constraints c = { 0 };
	struct sysmem_image_constraints ic[2];
	int dev, tok, dup, c1, c2;
	__u32 state, reason;

	dev = sysmem_open();
	ASSERT_LE(0, dev);
	tok = sysmem_alloc_token(dev);
	dup = sysmem_duplicate(tok, SYSMEM_RIGHTS_SAME);
	c1 = sysmem_bind(dev, tok);
	c2 = sysmem_bind(dev, dup);
	ASSERT_LE(0, c2);
	entry(&ic[0], SYSMEM_COLOR_SPACE_REC709);
	add_format(&ic[0], NV12, SYSMEM_MODIFIER_LINEAR);
	ic[0].flags = SYSMEM_IMAGE_HAS_REQUIRED_MAX_SIZE;
	ic[0].required_max_size = (struct sysmem_size){ 640, 480 };
	entry(&ic[1], SYSMEM_COLOR_SPACE_SRGB);
	add_format(&ic[1], XRGB8888, SYSMEM_MODIFIER_LINEAR);
	c.usage = SYSMEM_USAGE_VIDEO_CAPTURE;
	c.min_buffer_count_for_camping = 1;
	c.image_format_count = 1;
	c.image_formats = (__u64)(uintptr_t)&ic[0];
	ASSERT_EQ(0, sysmem_set_constraints(c1, &c));
	c.usage = SYSMEM_USAGE_DISPLAY_LAYER;
	c.image_formats = (__u64)(uintptr_t)&ic[1];
	ASSERT_EQ(0, sysmem_set_constraints(c2, &c));
	EXPECT_EQ(-EIO, sysmem_wait(c1, -1));
	ASSERT_EQ(0, sysmem_check(c2, &state, &reason));
	EXPECT_EQ(SYSMEM_STATE_FAILED, state);
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS, reason);
	close(c1);
	close(c2);
	close(tok);
	close(dup);
	close(dev);
}

TEST(invalid_image_constraints_einval)
{
	struct sysmem_buffer_constraints c = { 0 };
	struct sysmem_image_constraints ic;
	int dev, coll;

	dev = sysmem_open();
	ASSERT_LE(0, dev);
	coll = sysmem_alloc_nonshared(dev);
	ASSERT_LE(0, coll);
	c.usage = SYSMEM_USAGE_CPU_READ;
	c.min_buffer_count_for_camping = 1;
	c.image_format_count = 1;
	c.image_formats = (__u64)(uintptr_t)&ic;

	/* Unknown fourcc. */
	entry(&ic, SYSMEM_COLOR_SPACE_SRGB);
	add_format(&ic, FOURCC('Z', 'Z', 'Z', 'Z'), SYSMEM_MODIFIER_LINEAR);
	EXPECT_EQ(-EINVAL, sysmem_set_constraints(coll, &c));
	/* A YUV color space for an RGB format. */
	entry(&ic, SYSMEM_COLOR_SPACE_REC709);
	add_format(&ic, XRGB8888, SYSMEM_MODIFIER_LINEAR);
	EXPECT_EQ(-EINVAL, sysmem_set_constraints(coll, &c));
	/* No format at all. */
	entry(&ic, SYSMEM_COLOR_SPACE_SRGB);
	EXPECT_EQ(-EINVAL, sysmem_set_constraints(coll, &c));
	/* Too many entries. */
	entry(&ic, SYSMEM_COLOR_SPACE_SRGB);
	add_format(&ic, XRGB8888, SYSMEM_MODIFIER_LINEAR);
	c.image_format_count = SYSMEM_MAX_IMAGE_FORMATS + 1;
	EXPECT_EQ(-EINVAL, sysmem_set_constraints(coll, &c));
	/* An unreadable array. */
	c.image_format_count = 1;
	c.image_formats = 8;
	EXPECT_EQ(-EFAULT, sysmem_set_constraints(coll, &c));
	/* And then a valid one. */
	c.image_formats = (__u64)(uintptr_t)&ic;
	ic.flags = SYSMEM_IMAGE_HAS_REQUIRED_MAX_SIZE;
	ic.required_max_size = (struct sysmem_size){ 64, 64 };
	EXPECT_EQ(0, sysmem_set_constraints(coll, &c));
	EXPECT_EQ(0, sysmem_wait(coll, -1));
	close(coll);
	close(dev);
}

/*
 * One participant alone (a non-shared collection): set @nr entries at
 * @ic with @usage, wait, and fill @s.  Returns 0 or the first -errno.
 */
static int negotiate_alone(__u64 usage, struct sysmem_image_constraints *ic,
			   unsigned int nr, struct sysmem_buffer_settings *s)
{
	struct sysmem_buffer_constraints c = { 0 };
	int dev, coll, fds[SYSMEM_MAX_BUFFERS], ret;
	unsigned int count = 0, nfds = 0, i;

	dev = sysmem_open();
	if (dev < 0)
		return dev;
	coll = sysmem_alloc_nonshared(dev);
	if (coll < 0) {
		close(dev);
		return coll;
	}
	c.usage = usage;
	c.min_buffer_count_for_camping = 1;
	c.image_format_count = nr;
	c.image_formats = (__u64)(uintptr_t)ic;
	ret = sysmem_set_constraints(coll, &c);
	if (!ret)
		ret = sysmem_wait(coll, -1);
	if (!ret)
		ret = sysmem_get_result(coll, s, fds, SYSMEM_MAX_BUFFERS,
					&count, &nfds);
	for (i = 0; i < nfds; i++)
		close(fds[i]);
	close(coll);
	close(dev);
	return ret;
}

/*
 * Required sizes are each honoured (issue 14 item 3): NV12 500x1000 and
 * 1000x500 need 750000 bytes each; the 1000x1000 box of ABI 0.5 took
 * 1500000.
 */
TEST(required_sizes_each_honoured)
{
	struct sysmem_image_constraints ic;
	struct sysmem_buffer_settings s;
	struct sysmem_image_format l;

	entry(&ic, SYSMEM_COLOR_SPACE_REC709);
	add_format(&ic, NV12, SYSMEM_MODIFIER_LINEAR);
	ic.nr_required_max_sizes = 2;
	ic.required_max_sizes[0] = (struct sysmem_size){ 500, 1000 };
	ic.required_max_sizes[1] = (struct sysmem_size){ 1000, 500 };
	ASSERT_EQ(0, negotiate_alone(SYSMEM_USAGE_VIDEO_DECODER, &ic, 1, &s));
	EXPECT_EQ(500, s.image.size.width);
	EXPECT_EQ(1000, s.image.size.height);
	EXPECT_EQ(500000, s.image.planes[1].offset);
	EXPECT_EQ(750000, s.image.image_size);
	EXPECT_EQ(750000, s.size_bytes);
	/* The other required size fits the same buffers. */
	ASSERT_EQ(0, sysmem_image_layout(&s.image, 1000, 500, &l));
	EXPECT_EQ(750000, l.image_size);
}

/*
 * A format sysmem does not know is skipped, not fatal (item 4): a
 * compositor listing C8 and ZZZZ beside XRGB8888.
 */
TEST(unknown_format_skipped)
{
	struct sysmem_image_constraints ic[2];
	struct sysmem_buffer_settings s;

	entry(&ic[0], SYSMEM_COLOR_SPACE_SRGB);
	add_format(&ic[0], FOURCC('C', '8', ' ', ' '), SYSMEM_MODIFIER_LINEAR);
	add_format(&ic[0], FOURCC('Z', 'Z', 'Z', 'Z'), SYSMEM_MODIFIER_LINEAR);
	entry(&ic[1], SYSMEM_COLOR_SPACE_SRGB);
	add_format(&ic[1], XRGB8888, SYSMEM_MODIFIER_LINEAR);
	ic[1].flags = SYSMEM_IMAGE_HAS_REQUIRED_MAX_SIZE;
	ic[1].required_max_size = (struct sysmem_size){ 640, 480 };
	ASSERT_EQ(0, negotiate_alone(SYSMEM_USAGE_DISPLAY_LAYER, ic, 2, &s));
	EXPECT_EQ(XRGB8888, s.image.format);
	EXPECT_EQ(640 * 4 * 480, s.image.image_size);

	/* XRGB2101010 is known now: 640 * 4 * 480 = 1228800. */
	entry(&ic[0], SYSMEM_COLOR_SPACE_REC2100);
	add_format(&ic[0], XRGB2101010, SYSMEM_MODIFIER_LINEAR);
	ic[0].flags = SYSMEM_IMAGE_HAS_REQUIRED_MAX_SIZE;
	ic[0].required_max_size = (struct sysmem_size){ 640, 480 };
	ASSERT_EQ(0, negotiate_alone(SYSMEM_USAGE_DISPLAY_LAYER, ic, 1, &s));
	EXPECT_EQ(XRGB2101010, s.image.format);
	EXPECT_EQ(SYSMEM_COLOR_SPACE_REC2100, s.image.color_space);
	EXPECT_EQ(1228800, s.image.image_size);

	/* Nothing usable left: refused at SET_CONSTRAINTS. */
	entry(&ic[0], SYSMEM_COLOR_SPACE_SRGB);
	add_format(&ic[0], FOURCC('C', '8', ' ', ' '), SYSMEM_MODIFIER_LINEAR);
	EXPECT_EQ(-EINVAL,
		  negotiate_alone(SYSMEM_USAGE_DISPLAY_LAYER, ic, 1, &s));
}

/*
 * The start offset divisor is about where the image starts, not each
 * plane (item 5): linear NV12 keeps UV right after Y, where a V4L2
 * single-planar camera writes it.  ABI 0.5 put UV at 2076672.
 */
TEST(start_offset_no_plane_gap)
{
	struct sysmem_image_constraints ic;
	struct sysmem_buffer_settings s;

	entry(&ic, SYSMEM_COLOR_SPACE_REC709);
	add_format(&ic, NV12, SYSMEM_MODIFIER_LINEAR);
	ic.flags = SYSMEM_IMAGE_HAS_REQUIRED_MAX_SIZE;
	ic.required_max_size = (struct sysmem_size){ 1920, 1080 };
	ic.start_offset_divisor = 4096;
	ASSERT_EQ(0, negotiate_alone(SYSMEM_USAGE_VIDEO_CAPTURE, &ic, 1, &s));
	EXPECT_EQ(1920, s.image.bytes_per_row);
	EXPECT_EQ(1920 * 1080, s.image.planes[1].offset);	/* 2073600 */
	EXPECT_EQ(3110400, s.image.image_size);
	EXPECT_EQ(4096, s.image.start_offset_divisor);
}

/*
 * pad_for_block_size and pad_beyond_image_size_bytes (item 6): XRGB
 * 1000x500 written in 16x16 blocks needs rows of 1008 pixels (4032
 * bytes) and 512 of them, plus 4096 bytes after: 2068480.  ABI 0.5
 * ignored both: 2000000.
 */
TEST(padding_fields)
{
	struct sysmem_image_constraints ic;
	struct sysmem_buffer_settings s;
	struct sysmem_image_format l;

	entry(&ic, SYSMEM_COLOR_SPACE_SRGB);
	add_format(&ic, XRGB8888, SYSMEM_MODIFIER_LINEAR);
	ic.flags = SYSMEM_IMAGE_HAS_REQUIRED_MAX_SIZE;
	ic.required_max_size = (struct sysmem_size){ 1000, 500 };
	ic.pad_for_block_size = (struct sysmem_size){ 16, 16 };
	ic.pad_beyond_image_size_bytes = 4096;
	ASSERT_EQ(0, negotiate_alone(SYSMEM_USAGE_VIDEO_DECODER, &ic, 1, &s));
	EXPECT_EQ(1000, s.image.size.width);
	EXPECT_EQ(500, s.image.size.height);
	EXPECT_EQ(4032, s.image.bytes_per_row);
	EXPECT_EQ(2068480, s.image.image_size);
	EXPECT_EQ(2068480, s.size_bytes);
	EXPECT_EQ(16, s.image.pad_for_block_size.width);
	EXPECT_EQ(16, s.image.pad_for_block_size.height);
	EXPECT_EQ(4096, s.image.pad_beyond_image_size_bytes);
	/*
	 * libsysmem pads the same way: 990x490 -> rows of 992 pixels (3968
	 * bytes), 496 of them, and 4096 after: 1972224.
	 */
	ASSERT_EQ(0, sysmem_image_layout(&s.image, 990, 490, &l));
	EXPECT_EQ(3968, l.bytes_per_row);
	EXPECT_EQ(1972224, l.image_size);
}

/*
 * Reported limits are usable (item 8): with a 16x16 alignment and no
 * minimum, ABI 0.5 reported min 0x0 and min pitch 0, which
 * sysmem_image_layout() refused.
 */
TEST(reported_min_usable)
{
	struct sysmem_image_constraints ic;
	struct sysmem_buffer_settings s;
	struct sysmem_image_format l;

	entry(&ic, SYSMEM_COLOR_SPACE_SRGB);
	add_format(&ic, XRGB8888, SYSMEM_MODIFIER_LINEAR);
	ic.flags = SYSMEM_IMAGE_HAS_REQUIRED_MAX_SIZE;
	ic.required_max_size = (struct sysmem_size){ 640, 480 };
	ic.size_alignment = (struct sysmem_size){ 16, 16 };
	ic.bytes_per_row_divisor = 256;
	ASSERT_EQ(0, negotiate_alone(SYSMEM_USAGE_CPU_WRITE, &ic, 1, &s));
	EXPECT_EQ(16, s.image.min_size.width);
	EXPECT_EQ(16, s.image.min_size.height);
	EXPECT_EQ(256, s.image.min_bytes_per_row);
	ASSERT_EQ(0, sysmem_image_layout(&s.image, s.image.min_size.width,
					 s.image.min_size.height, &l));
	EXPECT_EQ(256, l.bytes_per_row);
	EXPECT_EQ(4096, l.image_size);
}

/*
 * A client built before ABI 0.6 passes the 80-byte constraints of 0.5:
 * its image entries have the old layout, so SET_CONSTRAINTS with image
 * entries refuses them with EPROTO rather than misread them; without
 * image entries the short structure is still fine.
 */
#define SET_CONSTRAINTS_0_5	_IOW(SYSMEM_IOC_MAGIC, 0x30, char[80])

TEST(abi_0_5_image_entries_eproto)
{
	struct sysmem_buffer_constraints c = { 0 };
	struct sysmem_image_constraints ic;
	struct sysmem_buffer_settings s;
	unsigned int nfds = 0;
	int dev, coll, fd = -1;

	static_assert(offsetof(struct sysmem_buffer_constraints,
			       min_physical_base_alignment) == 80,
		      "0.5's constraints end where 0.6's placement begins");
	dev = sysmem_open();
	ASSERT_LE(0, dev);
	coll = sysmem_alloc_nonshared(dev);
	ASSERT_LE(0, coll);
	entry(&ic, SYSMEM_COLOR_SPACE_SRGB);
	add_format(&ic, XRGB8888, SYSMEM_MODIFIER_LINEAR);
	ic.min_size = (struct sysmem_size){ 64, 32 };
	c.usage = SYSMEM_USAGE_CPU_READ;
	c.min_buffer_count_for_camping = 1;
	c.image_format_count = 1;
	c.image_formats = (__u64)(uintptr_t)&ic;
	EXPECT_EQ(-1, ioctl(coll, SET_CONSTRAINTS_0_5, &c));
	EXPECT_EQ(EPROTO, errno);
	/* Nothing was set: the same constraints at 0.6's size work. */
	ASSERT_EQ(0, sysmem_set_constraints(coll, &c));
	ASSERT_EQ(0, sysmem_wait(coll, -1));
	ASSERT_EQ(0, sysmem_get_result(coll, &s, &fd, 1, NULL, &nfds));
	EXPECT_EQ(8192, s.size_bytes);
	close(fd);
	close(coll);

	/* Without image entries an old client's call still works. */
	coll = sysmem_alloc_nonshared(dev);
	ASSERT_LE(0, coll);
	c.image_format_count = 0;
	c.image_formats = 0;
	c.min_size_bytes = 4096;
	EXPECT_EQ(0, ioctl(coll, SET_CONSTRAINTS_0_5, &c));
	ASSERT_EQ(0, sysmem_wait(coll, -1));
	close(coll);
	close(dev);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * sysmem and V4L2: vivid captures into sysmem's buffers.
 *
 * A camera (vivid's video capture node, in the single- and the
 * multi-planar API), a display participant with a row-pitch divisor
 * vivid's own bytesperline does not meet, and a CPU reader, in three
 * processes, negotiate one collection; the camera sets the negotiated
 * format on vivid, imports the dma-bufs with V4L2_MEMORY_DMABUF and
 * captures vivid's 75% color bars; the reader checks every bar's exact
 * sample values in every plane, through the negotiated plane offsets and
 * pitches (libsysmem's public API only).  The "layout" test checks that
 * sysmem and V4L2 lay out every format they share the same way.
 *
 * vivid: built into the project's debug kernels; on Debian's stock
 * kernel run.sh --kmod vivid loads it.  Where vivid is provided (its
 * /sys/module directory, or vivid.* options on the command line) a
 * missing capture node fails; a kernel without vivid skips.  The
 * multi-planar variants need an instance with vivid.multiplanar=2
 * (check.sh boots with vivid.n_devs=2 vivid.multiplanar=1,2).
 */
#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <linux/dma-buf.h>

#include "sysmem_selftest.h"
#include "../../../sysmem/examples/v4l2-camera.h"

#define WIDTH		640
#define HEIGHT		480
/* 640 x 4 = 2560 and 640 are no multiples of 1024. */
#define DISPLAY_DIVISOR	1024
#define FRAMES		4

#define DRM_XRGB8888	V4L2S_DRM_FOURCC('X', 'R', '2', '4')
#define DRM_ARGB8888	V4L2S_DRM_FOURCC('A', 'R', '2', '4')
#define DRM_NV12	V4L2S_DRM_FOURCC('N', 'V', '1', '2')
#define DRM_YUV420	V4L2S_DRM_FOURCC('Y', 'U', '1', '2')

/*
 * vivid's 75% color bars, left to right: white, yellow, cyan, green,
 * magenta, red, blue, black.  R'G'B': 191 (75% of 255) and 0; white is
 * 75% too.  Y'CbCr: vivid's default for its webcam input is the BT.601
 * matrix in limited range, and its test pattern generator converts
 * those 8-bit R'G'B' values with its own fixed-point arithmetic: the
 * values below are its output, each within 2 of the textbook BT.601
 * 75% bars (computed from exactly 0.75: Y' 180 162 131 112 84 65 35
 * 16; Cb 128 44 156 72 184 100 212 128; Cr 128 142 44 58 198 212 114
 * 128).  Any layout error (a wrong plane offset, a wrong pitch, Cb and
 * Cr swapped) reads a different bar or plane and misses them.
 */
static const uint8_t bars_rgb[8][3] = {
	{ 191, 191, 191 }, { 191, 191, 0 }, { 0, 191, 191 }, { 0, 191, 0 },
	{ 191, 0, 191 }, { 191, 0, 0 }, { 0, 0, 191 }, { 0, 0, 0 },
};

static const uint8_t bars_ycbcr[8][3] = {
	{ 179, 128, 128 }, { 160, 44, 141 }, { 130, 156, 44 },
	{ 111, 72, 58 }, { 83, 183, 197 }, { 64, 99, 211 },
	{ 34, 211, 114 }, { 16, 128, 128 },
};

/* The rows the reader samples. */
#define NR_ROWS		3
static const __u32 rows[NR_ROWS] = { 1, HEIGHT / 2 + 1, HEIGHT - 1 };

/* What the reader saw in one captured frame. */
struct report {
	int32_t ret;
	uint32_t index;
	/* R, G, B or Y, Cb, Cr at the middle of each bar on each row */
	uint8_t bar[NR_ROWS][8][3];
	/* rows whose first pixel is not white or last pixel not black */
	uint32_t bad_edges;
	/* nonzero bytes between the end of a row's pixels and its pitch */
	uint32_t dirty_padding;
	uint32_t first_bad_row;
};

/* Is vivid provided on this kernel (built in, loaded, or asked for)? */
static bool vivid_expected(void)
{
	char cmdline[4096];

	if (!access("/sys/module/vivid", F_OK))
		return true;
	if (read_file("/proc/cmdline", cmdline, sizeof(cmdline)))
		return false;
	return strstr(cmdline, "vivid.") != NULL;
}

/* Was some vivid instance created with the multi-planar API? */
static bool vivid_has_mplane(void)
{
	char n_devs[16], mp[256], *p, *save = NULL;
	int n, i = 0;

	if (read_file("/sys/module/vivid/parameters/n_devs", n_devs,
		      sizeof(n_devs)) ||
	    read_file("/sys/module/vivid/parameters/multiplanar", mp,
		      sizeof(mp)))
		return false;
	n = atoi(n_devs);
	for (p = strtok_r(mp, ",", &save); p && i < n;
	     p = strtok_r(NULL, ",", &save), i++)
		if (atoi(p) == 2)
			return true;
	return false;
}

/* Where R, G and B are in a pixel's bytes, lowest address first. */
static void rgb_pos(__u32 drm, int pos[3])
{
	/* XRGB8888 and ARGB8888: B G R X/A */
	pos[0] = 2;
	pos[1] = 1;
	pos[2] = 0;
	(void)drm;
}

/* Sample (x, y): R, G, B or Y, Cb, Cr, through the negotiated planes. */
static void sample(const uint8_t *base, const struct sysmem_image_format *img,
		   const struct sysmem_format_info *fi, __u32 x, __u32 y,
		   uint8_t out[3])
{
	const uint8_t *row0 = base + img->planes[0].offset +
			      (size_t)y * img->planes[0].bytes_per_row;

	if (!(fi->flags & SYSMEM_FORMAT_INFO_YUV)) {
		int pos[3], c;

		rgb_pos(img->format, pos);
		for (c = 0; c < 3; c++)
			out[c] = row0[(size_t)x * fi->bytes_per_sample[0] +
				      pos[c]];
		return;
	}
	out[0] = row0[x];
	if (fi->nr_planes == 2) {
		const uint8_t *row1 = base + img->planes[1].offset +
			(size_t)(y / fi->vsub) * img->planes[1].bytes_per_row;

		out[1] = row1[(x / fi->hsub) * 2];
		out[2] = row1[(x / fi->hsub) * 2 + 1];
	} else {
		const uint8_t *row1 = base + img->planes[1].offset +
			(size_t)(y / fi->vsub) * img->planes[1].bytes_per_row;
		const uint8_t *row2 = base + img->planes[2].offset +
			(size_t)(y / fi->vsub) * img->planes[2].bytes_per_row;

		out[1] = row1[x / fi->hsub];
		out[2] = row2[x / fi->hsub];
	}
}

/* The reader's check of the frame in a mapped buffer. */
static void read_frame(const uint8_t *base,
		       const struct sysmem_buffer_settings *s,
		       struct report *r)
{
	const struct sysmem_image_format *img = &s->image;
	const uint8_t (*bars)[3];
	struct sysmem_format_info fi;
	__u32 w = img->size.width, h = img->size.height, y, b, p;
	uint8_t px[3];

	if (sysmem_format_get_info(img->format, &fi)) {
		r->ret = -EINVAL;
		return;
	}
	bars = fi.flags & SYSMEM_FORMAT_INFO_YUV ? bars_ycbcr : bars_rgb;
	for (y = 0; y < NR_ROWS; y++)
		for (b = 0; b < 8; b++)
			sample(base, img, &fi, (2 * b + 1) * w / 16, rows[y],
			       r->bar[y][b]);
	/* Every row starts white and ends black at the negotiated pitch. */
	for (y = 0; y < h; y++) {
		bool bad = false;

		sample(base, img, &fi, 0, y, px);
		bad |= memcmp(px, bars[0], 3) != 0;
		sample(base, img, &fi, w - 1, y, px);
		bad |= memcmp(px, bars[7], 3) != 0;
		if (bad && !r->bad_edges++)
			r->first_bad_row = y;
	}
	/* Nothing was written past a row's pixels (sysmem zeroed it). */
	for (p = 0; p < img->nr_planes; p++) {
		__u32 prow = p ? h / fi.vsub : h;
		__u32 used = p ? w / fi.hsub * fi.bytes_per_sample[p] :
				 w * fi.bytes_per_sample[0];
		__u32 x;

		for (y = 0; y < prow; y++) {
			const uint8_t *row = base + img->planes[p].offset +
				(size_t)y * img->planes[p].bytes_per_row;

			for (x = used; x < img->planes[p].bytes_per_row; x++)
				r->dirty_padding += row[x] != 0;
		}
	}
}

static int join(int dev, int sock, const struct sysmem_buffer_constraints *c,
		struct sysmem_buffer_settings *s, int *fds, unsigned int *nfds)
{
	unsigned int count;
	int token, coll, ret;

	token = sysmem_recv_token(sock);
	if (token < 0)
		return token;
	coll = sysmem_bind(dev, token);
	close(token);
	if (coll < 0)
		return coll;
	ret = sysmem_set_constraints(coll, c);
	if (!ret)
		ret = sysmem_wait(coll, WAIT_NS);
	if (!ret)
		ret = sysmem_get_result(coll, s, fds, SYSMEM_MAX_BUFFERS,
					&count, nfds);
	if (ret) {
		close(coll);
		return ret;
	}
	return coll;
}

/* The display: sends back what it got, holds the buffers until told. */
static int display_main(int dev, int sock, __u32 drm)
{
	struct sysmem_image_constraints ic;
	struct sysmem_buffer_constraints c;
	struct sysmem_buffer_settings s;
	struct sysmem_format_info fi;
	int fds[SYSMEM_MAX_BUFFERS];
	unsigned int nfds = 0;
	int coll;
	char q;

	memset(&c, 0, sizeof(c));
	memset(&ic, 0, sizeof(ic));
	memset(&s, 0, sizeof(s));
	if (sysmem_format_get_info(drm, &fi))
		return 10;
	c.usage = SYSMEM_USAGE_DISPLAY_LAYER;
	c.min_buffer_count_for_camping = 1;
	ic.nr_formats = 1;
	ic.formats[0].format = drm;
	ic.formats[0].modifier = SYSMEM_MODIFIER_LINEAR;
	ic.nr_color_spaces = 1;
	ic.color_spaces[0] = fi.flags & SYSMEM_FORMAT_INFO_YUV ?
			     SYSMEM_COLOR_SPACE_DO_NOT_CARE :
			     SYSMEM_COLOR_SPACE_SRGB;
	ic.bytes_per_row_divisor = DISPLAY_DIVISOR;
	c.image_formats = (uintptr_t)&ic;
	c.image_format_count = 1;
	coll = join(dev, sock, &c, &s, fds, &nfds);
	if (coll < 0)
		return 11;
	if (write(sock, &s, sizeof(s)) != sizeof(s))
		return 12;
	if (read(sock, &q, 1) != 1)
		return 13;
	close_fds(fds, nfds);
	sysmem_release(coll);
	close(coll);
	return 0;
}

/* The reader: checks each buffer index it is sent; -1 ends. */
static int reader_main(int dev, int sock)
{
	struct sysmem_buffer_constraints c;
	struct sysmem_buffer_settings s;
	int fds[SYSMEM_MAX_BUFFERS];
	unsigned int nfds = 0;
	int32_t index;
	int coll;

	memset(&c, 0, sizeof(c));
	c.usage = SYSMEM_USAGE_CPU_READ;
	c.min_buffer_count_for_camping = 1;
	coll = join(dev, sock, &c, &s, fds, &nfds);
	if (coll < 0)
		return 20;
	while (read(sock, &index, sizeof(index)) == sizeof(index) &&
	       index >= 0) {
		struct dma_buf_sync sync = {
			DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ };
		struct report r;
		void *map;

		memset(&r, 0, sizeof(r));
		r.index = (uint32_t)index;
		map = MAP_FAILED;
		if ((unsigned int)index >= nfds)
			r.ret = -EINVAL;
		else
			map = mmap(NULL, s.size_bytes, PROT_READ, MAP_SHARED,
				   fds[index], 0);
		if (!r.ret && map == MAP_FAILED)
			r.ret = -errno;
		if (!r.ret)
			r.ret = v4l2s_ioctl(fds[index], DMA_BUF_IOCTL_SYNC,
					    &sync);
		if (!r.ret) {
			read_frame(map, &s, &r);
			sync.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ;
			v4l2s_ioctl(fds[index], DMA_BUF_IOCTL_SYNC, &sync);
		}
		if (map != MAP_FAILED)
			munmap(map, s.size_bytes);
		if (write(sock, &r, sizeof(r)) != sizeof(r))
			return 21;
	}
	close_fds(fds, nfds);
	sysmem_release(coll);
	close(coll);
	return 0;
}

static pid_t spawn(int dev, int *sock, int role, __u32 drm)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		_exit(role ? reader_main(dev, sv[1]) :
			     display_main(dev, sv[1], drm));
	}
	close(sv[1]);
	*sock = sv[0];
	return pid;
}

FIXTURE(v4l2) {
	int dev;
	struct v4l2s_cam cam;
	struct v4l2s_offer offers[SYSMEM_MAX_IMAGE_FORMATS];
	int nr_offers;
	int nr_enum;
};

FIXTURE_VARIANT(v4l2) {
	int mplane;
	__u32 drm;
};

FIXTURE_VARIANT_ADD(v4l2, single_xrgb8888) { .mplane = 0, .drm = DRM_XRGB8888 };
FIXTURE_VARIANT_ADD(v4l2, single_nv12) { .mplane = 0, .drm = DRM_NV12 };
FIXTURE_VARIANT_ADD(v4l2, single_yuv420) { .mplane = 0, .drm = DRM_YUV420 };
FIXTURE_VARIANT_ADD(v4l2, mplane_argb8888) { .mplane = 1, .drm = DRM_ARGB8888 };
FIXTURE_VARIANT_ADD(v4l2, mplane_nv12) { .mplane = 1, .drm = DRM_NV12 };

FIXTURE_SETUP(v4l2)
{
	int ret;

	self->dev = -1;
	self->cam.fd = -1;
	ret = v4l2s_find_vivid(&self->cam, variant->mplane);
	if (ret) {
		if (!vivid_expected())
			SKIP(return, "no vivid in this kernel (built in or loaded: run.sh --kmod vivid)");
		if (variant->mplane && !vivid_has_mplane())
			SKIP(return, "no vivid instance with multiplanar=2");
		ASSERT_EQ(0, ret) TH_LOG("vivid is provided but has no %s capture node",
					 variant->mplane ? "multi-planar" : "single-planar");
	}
	self->dev = sysmem_open();
	ASSERT_LE(0, self->dev);
	ASSERT_EQ(0, v4l2s_set_menu(&self->cam, "Test Pattern", "75% Colorbar"));
	ASSERT_EQ(0, v4l2s_set_menu(&self->cam, "OSD Text Mode", "None"));
	self->nr_offers = v4l2s_offers(&self->cam, WIDTH, HEIGHT,
				       self->offers, SYSMEM_MAX_IMAGE_FORMATS,
				       &self->nr_enum);
	ASSERT_LT(0, self->nr_offers);
}

FIXTURE_TEARDOWN(v4l2)
{
	if (self->cam.fd >= 0)
		close(self->cam.fd);
	if (self->dev >= 0)
		close(self->dev);
}

/*
 * Every format vivid offers that sysmem knows: a collection with the
 * camera's constraints alone lays it out exactly as V4L2 does: vivid's
 * bytesperline is sysmem's pitch, its sizeimage sysmem's image size, and
 * the chroma planes lie where a single-buffer V4L2 format puts them.
 */
TEST_F(v4l2, layout)
{
	struct sysmem_image_constraints ic;
	struct sysmem_buffer_constraints c;
	struct sysmem_buffer_settings s;
	struct sysmem_format_info fi;
	int i, coll, fd = -1;
	unsigned int count, nfds;
	char cc[5];

	/* vivid's list has every kind: 32-bit RGB, NV12, 3-plane YUV. */
	ASSERT_LE(20, self->nr_offers);
	for (i = 0; i < self->nr_offers; i++) {
		const struct v4l2s_offer *o = &self->offers[i];
		__u32 p, off = 0;

		v4l2s_fourcc_str(o->f->v4l2, cc);
		ASSERT_EQ(0, sysmem_format_get_info(o->f->drm, &fi));
		v4l2s_image_entry(o, &ic);
		memset(&c, 0, sizeof(c));
		c.usage = SYSMEM_USAGE_VIDEO_CAPTURE | SYSMEM_USAGE_CPU_READ;
		c.min_buffer_count_for_camping = 1;
		c.image_formats = (uintptr_t)&ic;
		c.image_format_count = 1;
		coll = sysmem_alloc_nonshared(self->dev);
		ASSERT_LE(0, coll);
		ASSERT_EQ(0, sysmem_set_constraints(coll, &c)) TH_LOG("%s", cc);
		ASSERT_EQ(0, sysmem_wait(coll, WAIT_NS)) TH_LOG("%s", cc);
		ASSERT_EQ(0, sysmem_get_result(coll, &s, &fd, 1, &count, &nfds));
		EXPECT_EQ(o->f->drm, s.image.format);
		EXPECT_EQ(o->color_space, s.image.color_space);
		EXPECT_EQ(o->tried.bytesperline, s.image.bytes_per_row)
			TH_LOG("%s: V4L2 bytesperline %u, sysmem pitch %u", cc,
			       o->tried.bytesperline, s.image.bytes_per_row);
		EXPECT_EQ(o->tried.sizeimage, s.image.image_size)
			TH_LOG("%s: V4L2 sizeimage %u, sysmem %llu", cc,
			       o->tried.sizeimage,
			       (unsigned long long)s.image.image_size);
		ASSERT_EQ(fi.nr_planes, s.image.nr_planes);
		/* V4L2: planes packed; chroma pitch from bytesperline */
		for (p = 0; p < fi.nr_planes; p++) {
			__u32 pitch = p ? o->tried.bytesperline *
					  fi.bytes_per_sample[p] /
					  (fi.bytes_per_sample[0] * fi.hsub) :
					  o->tried.bytesperline;

			EXPECT_EQ(off, s.image.planes[p].offset)
				TH_LOG("%s plane %u", cc, p);
			EXPECT_EQ(pitch, s.image.planes[p].bytes_per_row)
				TH_LOG("%s plane %u", cc, p);
			off += pitch * (p ? HEIGHT / fi.vsub : HEIGHT);
		}
		close(fd);
		close(coll);
	}
}

/*
 * The pipeline: vivid captures the 75% bars into the negotiated buffers
 * at the display's pitch; the reader finds every bar in every plane.
 */
TEST_F(v4l2, capture)
{
	static struct sysmem_image_constraints ic[SYSMEM_MAX_IMAGE_FORMATS];
	struct sysmem_buffer_settings s, ds;
	struct sysmem_image_format lay;
	struct sysmem_buffer_constraints c;
	struct sysmem_format_info fi;
	const struct v4l2s_offer *mine = NULL;
	const uint8_t (*bars)[3];
	int fds[SYSMEM_MAX_BUFFERS];
	unsigned int count = 0, nfds = 0, i;
	int root, coll, t0, t1, dsock, rsock, minbufs, n, status, y, b;
	int bad, bad_at = 0;
	__u32 index = 0, used = 0;
	struct v4l2s_fmt vf;
	struct sysmem_heap_stats heap_before, heap_after;
	struct report r;
	pid_t dpid, rpid;
	int32_t msg;
	char q = 'q';

	ASSERT_EQ(0, sysmem_format_get_info(variant->drm, &fi));
	bars = fi.flags & SYSMEM_FORMAT_INFO_YUV ? bars_ycbcr : bars_rgb;
	for (n = 0; n < self->nr_offers; n++) {
		v4l2s_image_entry(&self->offers[n], &ic[n]);
		if (self->offers[n].f->drm == variant->drm)
			mine = &self->offers[n];
	}
	ASSERT_NE(NULL, mine) TH_LOG("vivid does not offer the variant's format");
	minbufs = v4l2s_min_buffers(&self->cam);
	ASSERT_LE(1, minbufs);

	dpid = spawn(self->dev, &dsock, 0, variant->drm);
	ASSERT_LT(0, dpid);
	rpid = spawn(self->dev, &rsock, 1, variant->drm);
	ASSERT_LT(0, rpid);
	root = sysmem_alloc_token(self->dev);
	ASSERT_LE(0, root);
	t0 = sysmem_duplicate(root, SYSMEM_RIGHT_READ);
	ASSERT_LE(0, t0);
	t1 = sysmem_duplicate(root, SYSMEM_RIGHT_READ);
	ASSERT_LE(0, t1);
	ASSERT_EQ(0, sysmem_send_token(dsock, t0));
	ASSERT_EQ(0, sysmem_send_token(rsock, t1));
	close(t0);
	close(t1);

	/* The camera offers every format; the display picks one. */
	memset(&c, 0, sizeof(c));
	c.usage = SYSMEM_USAGE_VIDEO_CAPTURE;
	c.min_buffer_count_for_camping = (__u32)minbufs;
	c.image_formats = (uintptr_t)ic;
	c.image_format_count = (__u32)self->nr_offers;
	coll = sysmem_bind(self->dev, root);
	ASSERT_LE(0, coll);
	close(root);
	ASSERT_EQ(0, sysmem_set_constraints(coll, &c));
	ASSERT_EQ(0, sysmem_wait(coll, WAIT_NS));
	ASSERT_EQ(0, sysmem_get_result(coll, &s, fds, SYSMEM_MAX_BUFFERS,
				       &count, &nfds));
	ASSERT_EQ(count, nfds);
	heap_before.buffers = ~0ULL;
	if (have_debugfs()) {
		ASSERT_EQ(0, sysmem_read_heap_stats(s.heap, &heap_before));
		heap_before.buffers -= count;
	}
	ASSERT_EQ((unsigned int)minbufs + 2, count);
	ASSERT_EQ(variant->drm, s.image.format);
	ASSERT_EQ(mine->color_space, s.image.color_space);
	ASSERT_EQ(WIDTH, s.image.size.width);
	ASSERT_EQ(HEIGHT, s.image.size.height);
	/* The display's divisor, above what vivid alone would use. */
	ASSERT_EQ(0, s.image.bytes_per_row % DISPLAY_DIVISOR);
	ASSERT_LT(mine->tried.bytesperline, s.image.bytes_per_row);
	ASSERT_EQ(s.image.bytes_per_row, s.image.planes[0].bytes_per_row);
	ASSERT_LE(s.image.image_size, s.size_bytes);
	/* The public layout helper agrees with the result. */
	ASSERT_EQ(0, sysmem_image_layout(&s.image, WIDTH, HEIGHT, &lay));
	ASSERT_EQ(s.image.nr_planes, lay.nr_planes);
	for (i = 0; i < lay.nr_planes; i++) {
		EXPECT_EQ(s.image.planes[i].offset, lay.planes[i].offset);
		EXPECT_EQ(s.image.planes[i].bytes_per_row,
			  lay.planes[i].bytes_per_row);
	}
	ASSERT_EQ(s.image.image_size, lay.image_size);
	/* The display saw the same. */
	ASSERT_EQ(sizeof(ds), read(dsock, &ds, sizeof(ds)));
	ASSERT_EQ(0, memcmp(&s.image, &ds.image, sizeof(s.image)));
	ASSERT_EQ(s.buffer_count, ds.buffer_count);

	/* V4L2 takes the negotiated pitch and agrees on the size. */
	memset(&vf, 0, sizeof(vf));
	vf.pixelformat = mine->f->v4l2;
	vf.width = WIDTH;
	vf.height = HEIGHT;
	vf.field = V4L2_FIELD_NONE;
	vf.bytesperline = s.image.bytes_per_row;
	ASSERT_EQ(0, v4l2s_fmt_ioctl(&self->cam, VIDIOC_S_FMT, &vf));
	ASSERT_EQ(mine->f->v4l2, vf.pixelformat);
	ASSERT_EQ(s.image.bytes_per_row, vf.bytesperline);
	ASSERT_EQ(s.image.image_size, vf.sizeimage);
	ASSERT_EQ(s.image.color_space,
		  v4l2s_color_space(vf.colorspace, vf.ycbcr_enc,
				    vf.quantization,
				    fi.flags & SYSMEM_FORMAT_INFO_YUV));

	ASSERT_EQ((int)count, v4l2s_reqbufs(&self->cam, count, NULL));
	for (i = 0; i < count; i++)
		ASSERT_EQ(0, v4l2s_qbuf(&self->cam, i, fds[i],
					(__u32)s.size_bytes));
	ASSERT_EQ(0, v4l2s_stream(&self->cam, true));
	for (n = 0; n < FRAMES; n++) {
		ASSERT_EQ(0, v4l2s_dqbuf(&self->cam, &index, &used, 20000));
		ASSERT_GT(count, index);
		ASSERT_EQ(vf.sizeimage, used);
		/* The reader checks this buffer; then back to vivid. */
		msg = (int32_t)index;
		ASSERT_EQ(sizeof(msg), write(rsock, &msg, sizeof(msg)));
		ASSERT_EQ(sizeof(r), read(rsock, &r, sizeof(r)));
		ASSERT_EQ(0, r.ret);
		ASSERT_EQ(index, r.index);
		bad = 0;
		for (y = 0; y < NR_ROWS; y++) {
			for (b = 0; b < 8; b++) {
				if (!memcmp(bars[b], r.bar[y][b], 3))
					continue;
				if (!bad++)
					bad_at = y * 8 + b;
			}
		}
		EXPECT_EQ(0, bad)
			TH_LOG("frame %d: row %u bar %d: %u %u %u, expected %u %u %u",
			       n, rows[bad_at / 8], bad_at % 8,
			       r.bar[bad_at / 8][bad_at % 8][0],
			       r.bar[bad_at / 8][bad_at % 8][1],
			       r.bar[bad_at / 8][bad_at % 8][2],
			       bars[bad_at % 8][0], bars[bad_at % 8][1],
			       bars[bad_at % 8][2]);
		if (bad && n == 0) {
			for (b = 0; b < 8; b++)
				TH_LOG("row %u bar %d: %u %u %u", rows[1], b,
				       r.bar[1][b][0], r.bar[1][b][1],
				       r.bar[1][b][2]);
		}
		EXPECT_EQ(0, r.bad_edges)
			TH_LOG("first row not starting white/ending black at the pitch: %u",
			       r.first_bad_row);
		EXPECT_EQ(0, r.dirty_padding);
		ASSERT_EQ(0, v4l2s_qbuf(&self->cam, index, fds[index],
					(__u32)s.size_bytes));
	}
	ASSERT_EQ(0, v4l2s_stream(&self->cam, false));
	ASSERT_EQ(0, v4l2s_reqbufs(&self->cam, 0, NULL));

	msg = -1;
	ASSERT_EQ(sizeof(msg), write(rsock, &msg, sizeof(msg)));
	ASSERT_EQ(1, write(dsock, &q, 1));
	ASSERT_EQ(dpid, waitpid(dpid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	ASSERT_EQ(rpid, waitpid(rpid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	close_fds(fds, nfds);
	ASSERT_EQ(0, sysmem_release(coll));
	close(coll);
	close(dsock);
	close(rsock);
	/* Everything back in the heap once vivid let go too. */
	if (heap_before.buffers != ~0ULL)
		ASSERT_EQ(0, sysmem_heap_settle(s.heap, heap_before.buffers,
						SETTLE_MS, &heap_after))
			TH_LOG("%s: %llu live buffers, %llu before", s.heap,
			       heap_after.buffers, heap_before.buffers);
}

TEST_HARNESS_MAIN

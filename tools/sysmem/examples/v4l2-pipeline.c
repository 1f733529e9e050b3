// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * v4l2-pipeline: a camera, a display and a CPU reader share buffers
 * through sysmem.
 *
 * Three processes, each a sysmem participant with its own constraints:
 *
 *   camera   vivid's video capture node; offers every format it can
 *            capture that sysmem knows, with the bytesperline and buffer
 *            count V4L2 asks for; then captures into the negotiated
 *            buffers with V4L2_MEMORY_DMABUF
 *   display  a display-like consumer: XRGB8888 or NV12, rows aligned to a
 *            row-pitch divisor (256 bytes by default), one buffer on
 *            screen
 *   reader   a CPU reader: any format; maps a captured frame, reads it
 *            through the negotiated plane offsets and writes it as a PNG
 *
 * The camera creates the collection and passes a token to each of the
 * others over a unix socket.  The example of Documentation/sysmem/v4l2.rst;
 * "make run" runs it.
 *
 * Usage: v4l2-pipeline [-o FRAME.png] [-s WIDTHxHEIGHT] [-p DIVISOR]
 *                      [-n FRAMES] [-m 0|1] [-c]
 *   -o  write the last captured frame as a PNG (libpng)
 *   -s  frame size (default 640x480; vivid's webcam input has a few
 *       fixed sizes)
 *   -p  the display's bytes_per_row_divisor (default 256)
 *   -n  frames to capture (default 8)
 *   -m  0: vivid's single-planar API, 1: its multi-planar API (default:
 *       whichever comes first)
 *   -c  run "sysmemctl collection ID" while the collection is live
 *       (when sysmemctl is in PATH)
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <linux/dma-buf.h>

#include <png.h>

#include "libsysmem.h"
#include "v4l2-camera.h"
#include "v4l2-formats.h"

#define WAIT_NS		(30LL * 1000 * 1000 * 1000)
#define MAX_OFFERS	SYSMEM_MAX_IMAGE_FORMATS

/* Messages between the camera and the other two. */
enum {
	MSG_OK = 1,	/* done; arg: 0 or -errno */
	MSG_REPORT,	/* display: say what you got */
	MSG_FRAME,	/* reader: buffer arg holds a frame */
	MSG_QUIT,	/* let go and exit */
};

struct msg {
	int32_t cmd;
	int32_t arg;
};

static struct {
	const char *png;
	__u32 width, height;
	__u32 divisor;
	int frames;
	int mplane;
	bool sysmemctl;
} opt = { NULL, 640, 480, 256, 8, -1, false };

static const char *role = "camera";

static void say(const char *fmt, ...)
{
	va_list ap;

	printf("[%-7s] ", role);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static int send_msg(int sock, int cmd, int arg)
{
	struct msg m = { cmd, arg };

	return write(sock, &m, sizeof(m)) == sizeof(m) ? 0 : -EIO;
}

static int recv_msg(int sock, struct msg *m)
{
	return read(sock, m, sizeof(*m)) == sizeof(*m) ? 0 : -EIO;
}

static const char *usage_str(__u64 u)
{
	static char buf[160];

	buf[0] = '\0';
	if (u & SYSMEM_USAGE_CPU_READ)
		strcat(buf, "CPU_READ ");
	if (u & SYSMEM_USAGE_CPU_WRITE)
		strcat(buf, "CPU_WRITE ");
	if (u & SYSMEM_USAGE_DISPLAY_LAYER)
		strcat(buf, "DISPLAY_LAYER ");
	if (u & SYSMEM_USAGE_VIDEO_CAPTURE)
		strcat(buf, "VIDEO_CAPTURE ");
	if (buf[0])
		buf[strlen(buf) - 1] = '\0';
	return buf;
}

static const char *drm_name(__u32 drm)
{
	static char buf[5];
	const struct v4l2s_format *f = v4l2s_from_drm(drm);

	if (drm == SYSMEM_FORMAT_DO_NOT_CARE)
		return "any";
	return f ? f->name : v4l2s_fourcc_str(drm, buf);
}

static const char *domain_str(__u32 d)
{
	switch (d) {
	case SYSMEM_DOMAIN_CPU: return "CPU";
	case SYSMEM_DOMAIN_RAM: return "RAM";
	case SYSMEM_DOMAIN_INACCESSIBLE: return "INACCESSIBLE";
	default: return "?";
	}
}

static void print_settings(const struct sysmem_buffer_settings *s)
{
	const struct sysmem_image_format *img = &s->image;
	__u32 p;

	say("  buffers:     %u of %" PRIu64 " bytes, heap \"%s\", coherency domain %s",
	    s->buffer_count, (uint64_t)s->size_bytes, s->heap,
	    domain_str(s->coherency_domain));
	say("  usage:       %s (the union)", usage_str(s->usage));
	if (!(s->flags & SYSMEM_SETTINGS_HAS_IMAGE_FORMAT))
		return;
	say("  format:      %s, linear, color space %s, %ux%u",
	    drm_name(img->format), v4l2s_color_space_str(img->color_space),
	    img->size.width, img->size.height);
	say("  row pitch:   %u bytes (a multiple of %u)", img->bytes_per_row,
	    img->bytes_per_row_divisor);
	for (p = 0; p < img->nr_planes; p++)
		say("  plane %u:     offset %" PRIu64 ", %u bytes per row", p,
		    (uint64_t)img->planes[p].offset,
		    img->planes[p].bytes_per_row);
	say("  image size:  %" PRIu64 " bytes", (uint64_t)img->image_size);
}

/* Bind a received token, name the node, set constraints. */
static int join(int dev, int token, const struct sysmem_buffer_constraints *c)
{
	int coll, ret;

	if (token < 0)
		return token;
	coll = sysmem_bind(dev, token);
	close(token);
	if (coll < 0)
		return coll;
	sysmem_set_debug_info(coll, role, (__u64)getpid());
	ret = sysmem_set_constraints(coll, c);
	if (ret < 0) {
		close(coll);
		return ret;
	}
	return coll;
}

/* ---- display ---- */

static int display_main(int dev, int sock)
{
	struct sysmem_image_constraints ic[2];
	struct sysmem_buffer_constraints c;
	struct sysmem_buffer_settings s;
	int fds[SYSMEM_MAX_BUFFERS];
	unsigned int count = 0, nfds = 0, i;
	__u32 formats[2] = { V4L2S_DRM_FOURCC('X', 'R', '2', '4'),
			     V4L2S_DRM_FOURCC('N', 'V', '1', '2') };
	struct msg m;
	int token, coll, ret;

	memset(&c, 0, sizeof(c));
	c.usage = SYSMEM_USAGE_DISPLAY_LAYER;
	c.min_buffer_count_for_camping = 1;
	for (i = 0; i < 2; i++) {
		memset(&ic[i], 0, sizeof(ic[i]));
		ic[i].nr_formats = 1;
		ic[i].formats[0].format = formats[i];
		ic[i].formats[0].modifier = SYSMEM_MODIFIER_LINEAR;
		ic[i].nr_color_spaces = 1;
		ic[i].color_spaces[0] = i ? SYSMEM_COLOR_SPACE_DO_NOT_CARE :
					    SYSMEM_COLOR_SPACE_SRGB;
		ic[i].bytes_per_row_divisor = opt.divisor;
		ic[i].flags = SYSMEM_IMAGE_HAS_MAX_SIZE;
		ic[i].max_size.width = 4096;
		ic[i].max_size.height = 4096;
	}
	c.image_formats = (uintptr_t)ic;
	c.image_format_count = 2;
	token = sysmem_recv_token(sock);
	say("got a token; constraints: usage %s, camping 1 buffer (the one on screen)",
	    usage_str(c.usage));
	say("  formats XRGB8888 (SRGB) or NV12 (any YUV space), linear, up to 4096x4096");
	say("  bytes_per_row_divisor %u: the scan-out engine fetches rows at %u-byte boundaries",
	    opt.divisor, opt.divisor);
	coll = join(dev, token, &c);
	send_msg(sock, MSG_OK, coll < 0 ? coll : 0);
	if (coll < 0)
		return 1;
	ret = sysmem_wait(coll, WAIT_NS);
	if (!ret)
		ret = sysmem_get_result(coll, &s, fds, SYSMEM_MAX_BUFFERS,
					&count, &nfds);
	while (!recv_msg(sock, &m) && m.cmd != MSG_QUIT) {
		if (m.cmd != MSG_REPORT)
			continue;
		if (ret)
			say("no buffers: %s", strerror(-ret));
		else
			say("got %u dma-buf fds: %s %ux%u, pitch %u = %u x %u: fits the scan-out engine",
			    nfds, drm_name(s.image.format),
			    s.image.size.width, s.image.size.height,
			    s.image.bytes_per_row,
			    s.image.bytes_per_row / opt.divisor, opt.divisor);
		send_msg(sock, MSG_OK, ret);
	}
	for (i = 0; i < nfds; i++)
		close(fds[i]);
	sysmem_release(coll);
	close(coll);
	return ret ? 1 : 0;
}

/* ---- reader ---- */

struct frame {
	const struct sysmem_image_format *img;
	struct sysmem_format_info info;
	const uint8_t *base;
};

static uint8_t clamp8(int v)
{
	return v < 0 ? 0 : v > 255 ? 255 : (uint8_t)v;
}

/* Y'CbCr to R'G'B' (8 bits) with the matrix and range of @cs. */
static void ycbcr_to_rgb(__u32 cs, int y, int cb, int cr, uint8_t rgb[3])
{
	/* kr, kb in 1/10000; the green weights follow. */
	int kr = 2990, kb = 1140, full = 0;
	double yf, pb, pr, r, g, b, kg;

	switch (cs) {
	case SYSMEM_COLOR_SPACE_REC709:
		kr = 2126;
		kb = 722;
		break;
	case SYSMEM_COLOR_SPACE_REC2020:
	case SYSMEM_COLOR_SPACE_REC2100:
		kr = 2627;
		kb = 593;
		break;
	case SYSMEM_COLOR_SPACE_REC601_NTSC_FULL_RANGE:
	case SYSMEM_COLOR_SPACE_REC601_PAL_FULL_RANGE:
		full = 1;
		break;
	}
	if (full) {
		yf = y / 255.0;
		pb = (cb - 128) / 255.0;
		pr = (cr - 128) / 255.0;
	} else {
		yf = (y - 16) / 219.0;
		pb = (cb - 128) / 224.0;
		pr = (cr - 128) / 224.0;
	}
	kg = 1.0 - kr / 10000.0 - kb / 10000.0;
	r = yf + 2 * (1 - kr / 10000.0) * pr;
	b = yf + 2 * (1 - kb / 10000.0) * pb;
	g = (yf - kr / 10000.0 * r - kb / 10000.0 * b) / kg;
	rgb[0] = clamp8((int)(r * 255 + 0.5));
	rgb[1] = clamp8((int)(g * 255 + 0.5));
	rgb[2] = clamp8((int)(b * 255 + 0.5));
}

/*
 * Where R, G and B lie in the bytes of a pixel of an 8-bit RGB format,
 * lowest address first; -1 for formats this example does not convert.
 */
static int rgb_positions(__u32 drm, int pos[3])
{
	static const struct {
		char code[5];
		int r, g, b;
	} t[] = {
		{ "AR24", 2, 1, 0 }, { "XR24", 2, 1, 0 },
		{ "AB24", 0, 1, 2 }, { "XB24", 0, 1, 2 },
		{ "RA24", 3, 2, 1 }, { "RX24", 3, 2, 1 },
		{ "BA24", 1, 2, 3 }, { "BX24", 1, 2, 3 },
		{ "RG24", 2, 1, 0 }, { "BG24", 0, 1, 2 },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (V4L2S_DRM_FOURCC(t[i].code[0], t[i].code[1], t[i].code[2],
				     t[i].code[3]) != drm)
			continue;
		pos[0] = t[i].r;
		pos[1] = t[i].g;
		pos[2] = t[i].b;
		return 0;
	}
	return -1;
}

/*
 * The R'G'B' of pixel (x, y), read through the negotiated planes: plane
 * p's row r starts at planes[p].offset + r * planes[p].bytes_per_row.
 */
static int read_pixel(const struct frame *fr, __u32 x, __u32 y,
		      uint8_t rgb[3])
{
	const struct sysmem_image_format *img = fr->img;
	const struct sysmem_format_info *fi = &fr->info;
	const uint8_t *p0 = fr->base + img->planes[0].offset +
			    (size_t)y * img->planes[0].bytes_per_row;
	__u32 drm = img->format;
	int pos[3], yv, cb, cr;

	if (!(fi->flags & SYSMEM_FORMAT_INFO_YUV)) {
		const uint8_t *px;

		if (rgb_positions(drm, pos))
			return -1;
		px = p0 + (size_t)x * fi->bytes_per_sample[0];
		rgb[0] = px[pos[0]];
		rgb[1] = px[pos[1]];
		rgb[2] = px[pos[2]];
		return 0;
	}
	if (fi->block_width == 2) {
		/* YUYV: Y0 Cb Y1 Cr; UYVY: Cb Y0 Cr Y1 */
		const uint8_t *px = p0 + (size_t)(x / 2) * 4;
		bool uyvy = drm == V4L2S_DRM_FOURCC('U', 'Y', 'V', 'Y');

		if (!uyvy && drm != V4L2S_DRM_FOURCC('Y', 'U', 'Y', 'V'))
			return -1;
		yv = px[(uyvy ? 1 : 0) + 2 * (x & 1)];
		cb = px[uyvy ? 0 : 1];
		cr = px[uyvy ? 2 : 3];
	} else {
		__u32 cx = x / fi->hsub, cy = y / fi->vsub;
		const uint8_t *p1 = fr->base + img->planes[1].offset +
				    (size_t)cy * img->planes[1].bytes_per_row;
		bool swap = drm == V4L2S_DRM_FOURCC('N', 'V', '2', '1') ||
			    drm == V4L2S_DRM_FOURCC('N', 'V', '6', '1') ||
			    drm == V4L2S_DRM_FOURCC('Y', 'V', '1', '2');

		if (fi->bytes_per_sample[0] != 1)
			return -1;
		yv = p0[x];
		if (fi->nr_planes == 2) {
			/* interleaved CbCr (CrCb when swapped) */
			cb = p1[2 * cx + (swap ? 1 : 0)];
			cr = p1[2 * cx + (swap ? 0 : 1)];
		} else {
			const uint8_t *p2 = fr->base + img->planes[2].offset +
				(size_t)cy * img->planes[2].bytes_per_row;

			cb = swap ? p2[cx] : p1[cx];
			cr = swap ? p1[cx] : p2[cx];
		}
	}
	ycbcr_to_rgb(img->color_space, yv, cb, cr, rgb);
	return 0;
}

/* The PNG's rows; libpng reports its errors by longjmp() to here. */
static int png_rows(png_structp png, png_infop info, FILE *f,
		    const struct frame *fr, uint8_t *row)
{
	__u32 w = fr->img->size.width, h = fr->img->size.height, x, y;

	if (setjmp(png_jmpbuf(png)))
		return -EIO;
	png_init_io(png, f);
	png_set_IHDR(png, info, w, h, 8, PNG_COLOR_TYPE_RGB,
		     PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
		     PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (y = 0; y < h; y++) {
		for (x = 0; x < w; x++)
			if (read_pixel(fr, x, y, row + 3 * x))
				return -EOPNOTSUPP;
		png_write_row(png, row);
	}
	png_write_end(png, NULL);
	return 0;
}

static int write_png(const char *path, const struct frame *fr)
{
	png_structp png = NULL;
	png_infop info = NULL;
	uint8_t *row;
	FILE *f;
	int ret = -ENOMEM;

	row = malloc((size_t)fr->img->size.width * 3);
	if (!row)
		return -ENOMEM;
	f = fopen(path, "wb");
	if (!f) {
		ret = -errno;
		goto out_free;
	}
	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	if (png)
		info = png_create_info_struct(png);
	if (info)
		ret = png_rows(png, info, f, fr, row);
	png_destroy_write_struct(&png, &info);
	if (fclose(f) && !ret)
		ret = -errno;
out_free:
	free(row);
	return ret;
}

/* Map buffer @i, describe the frame in it, write the PNG. */
static int reader_frame(int fd, const struct sysmem_buffer_settings *s,
			int index)
{
	struct dma_buf_sync sync = { DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ };
	static const char * const bars[8] = { "white", "yellow", "cyan",
		"green", "magenta", "red", "blue", "black" };
	struct frame fr = { .img = &s->image };
	size_t len = s->size_bytes;
	uint8_t rgb[3];
	void *map;
	int ret, b;

	if (sysmem_format_get_info(s->image.format, &fr.info))
		return -EINVAL;
	map = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return -errno;
	fr.base = map;
	ret = v4l2s_ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync);
	if (ret)
		goto out_unmap;
	say("buffer %d mapped read-only (%zu bytes); the pixel in the middle of each bar:",
	    index, len);
	for (b = 0; b < 8; b++) {
		__u32 x = (2 * b + 1) * s->image.size.width / 16;

		ret = read_pixel(&fr, x, s->image.size.height * 3 / 4, rgb);
		if (ret) {
			say("  (no conversion of %s to RGB here)",
			    drm_name(s->image.format));
			ret = -EOPNOTSUPP;
			break;
		}
		say("  x=%-4u %-8s R'G'B' %3u %3u %3u", x, bars[b], rgb[0],
		    rgb[1], rgb[2]);
	}
	if (!ret && (fr.info.flags & SYSMEM_FORMAT_INFO_YUV))
		say("  (vivid's bars are 191 or 0 in R'G'B'; its Y'CbCr rounding and ours cost a few units)");
	if (!ret && opt.png) {
		ret = write_png(opt.png, &fr);
		if (ret)
			say("cannot write %s: %s", opt.png, strerror(-ret));
		else
			say("wrote %s (%ux%u RGB, read through the planes above)",
			    opt.png, s->image.size.width,
			    s->image.size.height);
	}
	sync.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ;
	v4l2s_ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync);
out_unmap:
	munmap(map, len);
	return ret;
}

static int reader_main(int dev, int sock)
{
	struct sysmem_buffer_constraints c;
	struct sysmem_buffer_settings s;
	int fds[SYSMEM_MAX_BUFFERS];
	unsigned int count = 0, nfds = 0, i;
	struct msg m;
	int token, coll, ret;

	memset(&c, 0, sizeof(c));
	c.usage = SYSMEM_USAGE_CPU_READ;
	c.min_buffer_count_for_camping = 1;
	token = sysmem_recv_token(sock);
	say("got a token; constraints: usage %s, camping 1 buffer (the one being read), no image constraints (any format)",
	    usage_str(c.usage));
	coll = join(dev, token, &c);
	send_msg(sock, MSG_OK, coll < 0 ? coll : 0);
	if (coll < 0)
		return 1;
	ret = sysmem_wait(coll, WAIT_NS);
	if (!ret)
		ret = sysmem_get_result(coll, &s, fds, SYSMEM_MAX_BUFFERS,
					&count, &nfds);
	while (!recv_msg(sock, &m) && m.cmd != MSG_QUIT) {
		int r = ret;

		if (m.cmd != MSG_FRAME)
			continue;
		if (!r && (m.arg < 0 || (unsigned int)m.arg >= nfds))
			r = -EINVAL;
		if (!r)
			r = reader_frame(fds[m.arg], &s, m.arg);
		send_msg(sock, MSG_OK, r);
	}
	for (i = 0; i < nfds; i++)
		close(fds[i]);
	sysmem_release(coll);
	close(coll);
	return ret ? 1 : 0;
}

/* ---- camera ---- */

static pid_t spawn(const char *name, int dev, int *sock,
		   int (*fn)(int dev, int sock))
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		role = name;
		_exit(fn(dev, sv[1]));
	}
	close(sv[1]);
	*sock = sv[0];
	return pid;
}

/* Hand a token to a participant and wait until it set its constraints. */
static int hand_over(int sock, int token)
{
	struct msg m;
	int ret;

	ret = sysmem_send_token(sock, token);
	close(token);
	if (ret)
		return ret;
	ret = recv_msg(sock, &m);
	return ret ? ret : m.arg;
}

static int ask(int sock, int cmd, int arg)
{
	struct msg m;
	int ret;

	ret = send_msg(sock, cmd, arg);
	if (!ret)
		ret = recv_msg(sock, &m);
	return ret ? ret : m.arg;
}

/* Why sysmem chose what it chose, in the terms of this pipeline. */
static void explain(const struct sysmem_buffer_settings *s,
		    const struct v4l2s_offer *offers, int n, int minbufs)
{
	const struct v4l2s_offer *o = NULL;
	char common[64] = "";
	int i;

	for (i = 0; i < n; i++) {
		const char *name = offers[i].f->name;

		if (offers[i].f->drm == s->image.format)
			o = &offers[i];
		if (strcmp(name, "XRGB8888") && strcmp(name, "NV12"))
			continue;
		if (common[0])
			strcat(common, " and ");
		strcat(common, name);
	}
	say("  why: the camera and the display share %s (the reader takes any);",
	    common);
	if (s->image.format == V4L2S_DRM_FOURCC('N', 'V', '1', '2'))
		say("       with a video device in the pipeline sysmem ranks NV12 (12 bits a pixel) first");
	if (o)
		say("       vivid alone would use a %u-byte pitch; the display's %u-byte divisor makes it %u",
		    o->tried.bytesperline, opt.divisor,
		    s->image.bytes_per_row);
	say("       buffers: camera %d (V4L2's minimum) + display 1 + reader 1, each held at once",
	    minbufs);
}

static void run_sysmemctl(__u64 id)
{
	char cmd[96];

	if (system("command -v sysmemctl >/dev/null 2>&1")) {
		say("(no sysmemctl in PATH: not showing the collection)");
		return;
	}
	snprintf(cmd, sizeof(cmd), "sysmemctl collection %" PRIu64, (uint64_t)id);
	say("while it is live: $ %s", cmd);
	fflush(stdout);
	if (system(cmd))
		say("(sysmemctl failed)");
}

static int capture(const struct v4l2s_cam *cam,
		   const struct sysmem_buffer_settings *s, const int *fds,
		   unsigned int nfds, int reader)
{
	const struct v4l2s_format *f = v4l2s_from_drm(s->image.format);
	struct v4l2s_fmt vf;
	__u32 index = 0, used = 0, i;
	int ret, n;

	memset(&vf, 0, sizeof(vf));
	vf.pixelformat = f->v4l2;
	vf.width = s->image.size.width;
	vf.height = s->image.size.height;
	vf.field = V4L2_FIELD_NONE;
	vf.bytesperline = s->image.bytes_per_row;
	ret = v4l2s_fmt_ioctl(cam, VIDIOC_S_FMT, &vf);
	if (ret) {
		say("S_FMT: %s", strerror(-ret));
		return ret;
	}
	say("S_FMT %s %ux%u bytesperline %u: the driver answers bytesperline %u, sizeimage %u",
	    f->name, s->image.size.width, s->image.size.height,
	    s->image.bytes_per_row, vf.bytesperline, vf.sizeimage);
	if (vf.bytesperline != s->image.bytes_per_row ||
	    vf.sizeimage > s->size_bytes) {
		say("the device cannot use the negotiated layout");
		return -EINVAL;
	}
	n = v4l2s_reqbufs(cam, nfds, NULL);
	if (n < 0 || (unsigned int)n != nfds) {
		say("REQBUFS(%u, DMABUF): %s", nfds,
		    n < 0 ? strerror(-n) : "another count");
		return n < 0 ? n : -EINVAL;
	}
	for (i = 0; i < nfds; i++) {
		ret = v4l2s_qbuf(cam, i, fds[i], (__u32)s->size_bytes);
		if (ret) {
			say("QBUF %u: %s", i, strerror(-ret));
			goto out_free;
		}
	}
	say("REQBUFS(%u, V4L2_MEMORY_DMABUF), QBUF each sysmem dma-buf fd, STREAMON",
	    nfds);
	ret = v4l2s_stream(cam, true);
	if (ret) {
		say("STREAMON: %s", strerror(-ret));
		goto out_free;
	}
	for (n = 0; n < opt.frames; n++) {
		ret = v4l2s_dqbuf(cam, &index, &used, 10000);
		if (ret) {
			say("DQBUF: %s", strerror(-ret));
			goto out_off;
		}
		if (n + 1 < opt.frames) {
			ret = v4l2s_qbuf(cam, index, fds[index],
					 (__u32)s->size_bytes);
			if (ret)
				goto out_off;
		}
	}
	say("captured %d frames; the last one is in buffer %u (%u bytes used): over to the reader",
	    opt.frames, index, used);
	ret = ask(reader, MSG_FRAME, (int)index);
out_off:
	v4l2s_stream(cam, false);
out_free:
	v4l2s_reqbufs(cam, 0, NULL);
	return ret;
}

int main(int argc, char **argv)
{
	static struct v4l2s_offer offers[MAX_OFFERS];
	static struct sysmem_image_constraints ic[MAX_OFFERS];
	struct sysmem_buffer_constraints c;
	struct sysmem_buffer_settings s;
	int fds[SYSMEM_MAX_BUFFERS];
	unsigned int count = 0, nfds = 0, i;
	int dev, root, coll, tok[2], disp_sock, read_sock, nr_enum, n;
	int ret = 1, r, ch, minbufs, status;
	pid_t disp, rdr;
	struct v4l2s_cam cam;
	char v4l2cc[5];
	__u64 id = 0;

	while ((ch = getopt(argc, argv, "o:s:p:n:m:c")) != -1) {
		switch (ch) {
		case 'o':
			opt.png = optarg;
			break;
		case 's':
			if (sscanf(optarg, "%ux%u", &opt.width, &opt.height) != 2)
				goto usage;
			break;
		case 'p':
			opt.divisor = (__u32)strtoul(optarg, NULL, 0);
			break;
		case 'n':
			opt.frames = atoi(optarg);
			break;
		case 'm':
			opt.mplane = atoi(optarg);
			break;
		case 'c':
			opt.sysmemctl = true;
			break;
		default:
			goto usage;
		}
	}
	if (opt.frames < 1 || !opt.divisor)
		goto usage;

	dev = sysmem_open();
	if (dev < 0 || sysmem_check_version(dev)) {
		fprintf(stderr, "v4l2-pipeline: no usable /dev/sysmem\n");
		return 1;
	}
	sysmem_set_debug_info(dev, "v4l2-pipeline", (__u64)getpid());
	if (v4l2s_find_vivid(&cam, opt.mplane)) {
		fprintf(stderr, "v4l2-pipeline: no vivid capture device\n");
		return 1;
	}
	/* 75% color bars; vivid's text overlay stays (it shows the frame count). */
	v4l2s_set_menu(&cam, "Test Pattern", "75% Colorbar");
	n = v4l2s_offers(&cam, opt.width, opt.height, offers, MAX_OFFERS,
			 &nr_enum);
	minbufs = v4l2s_min_buffers(&cam);
	if (n <= 0 || minbufs < 0) {
		fprintf(stderr, "v4l2-pipeline: %s offers nothing sysmem can use\n",
			cam.path);
		return 1;
	}

	say("%s: %s, %s API; %d formats, %d of them sysmem formats at %ux%u:",
	    cam.path, cam.card,
	    v4l2s_mplane(&cam) ? "multi-planar" : "single-planar", nr_enum,
	    n, opt.width, opt.height);
	for (i = 0; i < (unsigned int)n; i++) {
		v4l2s_image_entry(&offers[i], &ic[i]);
		say("  V4L2 %s = %-8s bytesperline %-5u sizeimage %-7u %s",
		    v4l2s_fourcc_str(offers[i].f->v4l2, v4l2cc),
		    offers[i].f->name, offers[i].tried.bytesperline,
		    offers[i].tried.sizeimage,
		    v4l2s_color_space_str(offers[i].color_space));
	}
	/* The others start first and wait for their tokens. */
	role = "display";
	disp = spawn("display", dev, &disp_sock, display_main);
	rdr = spawn("reader", dev, &read_sock, reader_main);
	role = "camera";
	if (disp < 0 || rdr < 0)
		return 1;

	root = sysmem_alloc_token(dev);
	if (root < 0)
		goto out;
	sysmem_set_name(root, 10, "v4l2-pipeline");
	r = sysmem_duplicate(root, SYSMEM_RIGHT_READ);
	tok[0] = r;
	tok[1] = r < 0 ? r : sysmem_duplicate(root, SYSMEM_RIGHT_READ);
	if (tok[0] < 0 || tok[1] < 0)
		goto out;
	say("created the collection's token; one duplicate (read-only) to the display, one to the reader");
	if (hand_over(disp_sock, tok[0]) || hand_over(read_sock, tok[1])) {
		say("a participant could not join");
		goto out;
	}

	memset(&c, 0, sizeof(c));
	c.usage = SYSMEM_USAGE_VIDEO_CAPTURE;
	c.min_buffer_count_for_camping = (__u32)minbufs;
	c.image_formats = (uintptr_t)ic;
	c.image_format_count = (__u32)n;
	say("constraints: usage %s, camping %d buffers (REQBUFS minimum), the formats above, %ux%u exactly, min_bytes_per_row = bytesperline",
	    usage_str(c.usage), minbufs, opt.width, opt.height);
	coll = sysmem_bind(dev, root);
	close(root);
	if (coll < 0)
		goto out;
	sysmem_set_debug_info(coll, "camera", (__u64)getpid());
	r = sysmem_set_constraints(coll, &c);
	if (!r)
		r = sysmem_wait(coll, WAIT_NS);
	if (!r)
		r = sysmem_get_result(coll, &s, fds, SYSMEM_MAX_BUFFERS,
				      &count, &nfds);
	if (r) {
		__u32 st = 0, reason = 0;

		sysmem_check(coll, &st, &reason);
		say("no buffers: %s (%s)", strerror(-r),
		    sysmem_fail_str(reason));
		goto out_coll;
	}
	sysmem_get_collection_id(coll, &id);
	say("all three set their constraints: sysmem negotiated collection %" PRIu64 ":",
	    (uint64_t)id);
	print_settings(&s);
	explain(&s, offers, n, minbufs);
	if (ask(disp_sock, MSG_REPORT, 0))
		goto out_fds;
	if (opt.sysmemctl)
		run_sysmemctl(id);
	r = capture(&cam, &s, fds, nfds, read_sock);
	if (!r)
		ret = 0;
out_fds:
	for (i = 0; i < nfds; i++)
		close(fds[i]);
	sysmem_release(coll);
out_coll:
	close(coll);
out:
	send_msg(disp_sock, MSG_QUIT, 0);
	send_msg(read_sock, MSG_QUIT, 0);
	if (waitpid(disp, &status, 0) != disp || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		ret = 1;
	if (waitpid(rdr, &status, 0) != rdr || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		ret = 1;
	close(cam.fd);
	say("all three let go of their fds: %s", ret ? "FAILED" : "done");
	return ret;
usage:
	fprintf(stderr, "usage: %s [-o FRAME.png] [-s WxH] [-p DIVISOR] [-n FRAMES] [-m 0|1] [-c]\n",
		argv[0]);
	return 2;
}

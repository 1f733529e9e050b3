/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A V4L2 capture device as a sysmem participant: finding vivid, its
 * formats as sysmem image constraints, setting the negotiated format
 * and capturing into sysmem's dma-bufs with V4L2_MEMORY_DMABUF.
 *
 * Both V4L2 APIs are handled: single-planar (V4L2_BUF_TYPE_VIDEO_CAPTURE)
 * and multi-planar (..._MPLANE) with one-buffer formats, where the one
 * buffer holds every plane, as a sysmem buffer does.  Shared by
 * tools/sysmem/examples/v4l2-pipeline.c and
 * tools/testing/selftests/sysmem/sysmem_v4l2_test.c; see
 * Documentation/sysmem/v4l2.rst.  Header only; needs libsysmem.
 */
#ifndef SYSMEM_V4L2_CAMERA_H
#define SYSMEM_V4L2_CAMERA_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/videodev2.h>

#include "libsysmem.h"
#include "v4l2-formats.h"

/**
 * struct v4l2s_cam - an open capture device
 * @fd: the video node
 * @type: V4L2_BUF_TYPE_VIDEO_CAPTURE or V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE
 * @path: its /dev path
 * @card: QUERYCAP's card name
 */
struct v4l2s_cam {
	int fd;
	__u32 type;
	char path[32];
	char card[32];
};

/*
 * A format as both APIs see it, for one buffer: @bytesperline and
 * @sizeimage are those of the only buffer (plane 0 of the multi-planar
 * API); for YUV420 and friends V4L2 derives the chroma pitches from it.
 */
struct v4l2s_fmt {
	__u32 pixelformat;
	__u32 width;
	__u32 height;
	__u32 field;
	__u32 bytesperline;
	__u32 sizeimage;
	__u32 colorspace;
	__u32 ycbcr_enc;
	__u32 quantization;
	__u32 xfer_func;
};

static inline bool v4l2s_mplane(const struct v4l2s_cam *cam)
{
	return cam->type == V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE;
}

/* ioctl() restarted on EINTR: 0 or -errno. */
static inline int v4l2s_ioctl(int fd, unsigned long req, void *arg)
{
	int ret;

	do {
		ret = ioctl(fd, req, arg);
	} while (ret < 0 && errno == EINTR);
	return ret < 0 ? -errno : 0;
}

/**
 * v4l2s_find_vivid() - open vivid's video capture node
 * @cam: filled on success
 * @want_mplane: 0 the single-planar API, 1 the multi-planar API, -1 any
 *
 * Return: 0, or -ENODEV when no vivid node with streaming capture in
 * that API exists.
 */
static inline int v4l2s_find_vivid(struct v4l2s_cam *cam, int want_mplane)
{
	struct v4l2_capability cap;
	char path[32];
	__u32 caps;
	int i, fd;

	for (i = 0; i < 64; i++) {
		snprintf(path, sizeof(path), "/dev/video%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		memset(&cap, 0, sizeof(cap));
		if (v4l2s_ioctl(fd, VIDIOC_QUERYCAP, &cap) ||
		    strcmp((const char *)cap.driver, "vivid")) {
			close(fd);
			continue;
		}
		caps = cap.capabilities & V4L2_CAP_DEVICE_CAPS ?
		       cap.device_caps : cap.capabilities;
		if (!(caps & V4L2_CAP_STREAMING)) {
			close(fd);
			continue;
		}
		if ((caps & V4L2_CAP_VIDEO_CAPTURE) && want_mplane != 1) {
			cam->type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
		} else if ((caps & V4L2_CAP_VIDEO_CAPTURE_MPLANE) &&
			   want_mplane != 0) {
			cam->type = V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE;
		} else {
			close(fd);
			continue;
		}
		cam->fd = fd;
		snprintf(cam->path, sizeof(cam->path), "%s", path);
		snprintf(cam->card, sizeof(cam->card), "%s",
			 (const char *)cap.card);
		return 0;
	}
	return -ENODEV;
}

/* G_FMT, TRY_FMT or S_FMT through either API: 0 or -errno. */
static inline int v4l2s_fmt_ioctl(const struct v4l2s_cam *cam,
				  unsigned long req, struct v4l2s_fmt *f)
{
	struct v4l2_format vf;
	int ret;

	memset(&vf, 0, sizeof(vf));
	vf.type = cam->type;
	if (v4l2s_mplane(cam)) {
		struct v4l2_pix_format_mplane *mp = &vf.fmt.pix_mp;

		mp->pixelformat = f->pixelformat;
		mp->width = f->width;
		mp->height = f->height;
		mp->field = f->field;
		mp->num_planes = 1;
		mp->plane_fmt[0].bytesperline = f->bytesperline;
		mp->plane_fmt[0].sizeimage = f->sizeimage;
		ret = v4l2s_ioctl(cam->fd, req, &vf);
		if (ret)
			return ret;
		/* A multi-buffer format has no single sysmem buffer. */
		if (mp->num_planes != 1)
			return -EOPNOTSUPP;
		f->pixelformat = mp->pixelformat;
		f->width = mp->width;
		f->height = mp->height;
		f->field = mp->field;
		f->bytesperline = mp->plane_fmt[0].bytesperline;
		f->sizeimage = mp->plane_fmt[0].sizeimage;
		f->colorspace = mp->colorspace;
		f->ycbcr_enc = mp->ycbcr_enc;
		f->quantization = mp->quantization;
		f->xfer_func = mp->xfer_func;
	} else {
		struct v4l2_pix_format *pix = &vf.fmt.pix;

		pix->pixelformat = f->pixelformat;
		pix->width = f->width;
		pix->height = f->height;
		pix->field = f->field;
		pix->bytesperline = f->bytesperline;
		pix->sizeimage = f->sizeimage;
		ret = v4l2s_ioctl(cam->fd, req, &vf);
		if (ret)
			return ret;
		f->pixelformat = pix->pixelformat;
		f->width = pix->width;
		f->height = pix->height;
		f->field = pix->field;
		f->bytesperline = pix->bytesperline;
		f->sizeimage = pix->sizeimage;
		f->colorspace = pix->colorspace;
		f->ycbcr_enc = pix->ycbcr_enc;
		f->quantization = pix->quantization;
		f->xfer_func = pix->xfer_func;
	}
	return 0;
}

/**
 * v4l2s_set_menu() - set a menu control by its name and its item's name
 * @cam: the device
 * @ctrl: control name, e.g. "Test Pattern"
 * @item: menu item name, e.g. "75% Colorbar"
 *
 * Driver-private controls (vivid's) have no id in any header: they are
 * found by name with VIDIOC_QUERYCTRL/QUERYMENU.
 *
 * Return: 0, -ENOENT when the control or the item does not exist, or
 * -errno.
 */
static inline int v4l2s_set_menu(const struct v4l2s_cam *cam,
				 const char *ctrl, const char *item)
{
	struct v4l2_queryctrl qc;
	struct v4l2_querymenu qm;
	struct v4l2_ext_controls ecs;
	struct v4l2_ext_control ec;
	__s32 i;

	memset(&qc, 0, sizeof(qc));
	qc.id = V4L2_CTRL_FLAG_NEXT_CTRL;
	while (!v4l2s_ioctl(cam->fd, VIDIOC_QUERYCTRL, &qc)) {
		if (qc.type == V4L2_CTRL_TYPE_MENU &&
		    !strcmp((const char *)qc.name, ctrl))
			break;
		qc.id |= V4L2_CTRL_FLAG_NEXT_CTRL;
	}
	if (qc.type != V4L2_CTRL_TYPE_MENU ||
	    strcmp((const char *)qc.name, ctrl))
		return -ENOENT;
	for (i = qc.minimum; i <= qc.maximum; i++) {
		memset(&qm, 0, sizeof(qm));
		qm.id = qc.id;
		qm.index = i;
		if (v4l2s_ioctl(cam->fd, VIDIOC_QUERYMENU, &qm) ||
		    strcmp((const char *)qm.name, item))
			continue;
		memset(&ec, 0, sizeof(ec));
		memset(&ecs, 0, sizeof(ecs));
		ec.id = qc.id;
		ec.value = i;
		ecs.which = V4L2_CTRL_WHICH_CUR_VAL;
		ecs.count = 1;
		ecs.controls = &ec;
		return v4l2s_ioctl(cam->fd, VIDIOC_S_EXT_CTRLS, &ecs);
	}
	return -ENOENT;
}

/* REQBUFS with V4L2_MEMORY_DMABUF: the count granted, or -errno. */
static inline int v4l2s_reqbufs(const struct v4l2s_cam *cam, __u32 count,
				__u32 *capabilities)
{
	struct v4l2_requestbuffers rb;
	int ret;

	memset(&rb, 0, sizeof(rb));
	rb.count = count;
	rb.type = cam->type;
	rb.memory = V4L2_MEMORY_DMABUF;
	ret = v4l2s_ioctl(cam->fd, VIDIOC_REQBUFS, &rb);
	if (ret)
		return ret;
	if (capabilities)
		*capabilities = rb.capabilities;
	return (int)rb.count;
}

/**
 * v4l2s_min_buffers() - buffers the device must hold to stream
 * @cam: the device, its format set
 *
 * V4L2_CID_MIN_BUFFERS_FOR_CAPTURE where the driver has it; else what
 * REQBUFS grants for a request of one DMABUF buffer (vb2 raises it to
 * the queue's minimum), given back at once.  A device that cannot
 * import dma-bufs gets -EOPNOTSUPP.
 *
 * Return: the count, or -errno.
 */
static inline int v4l2s_min_buffers(const struct v4l2s_cam *cam)
{
	struct v4l2_control c = { .id = V4L2_CID_MIN_BUFFERS_FOR_CAPTURE };
	__u32 caps = 0;
	int n, ret;

	n = v4l2s_reqbufs(cam, 1, &caps);
	if (n < 0)
		return n;
	ret = v4l2s_reqbufs(cam, 0, NULL);
	if (ret < 0)
		return ret;
	if (!(caps & V4L2_BUF_CAP_SUPPORTS_DMABUF))
		return -EOPNOTSUPP;
	if (!v4l2s_ioctl(cam->fd, VIDIOC_G_CTRL, &c) && c.value > 0)
		return c.value;
	return n;
}

/* Queue buffer @index, the dma-buf @dmabuf_fd of @length bytes. */
static inline int v4l2s_qbuf(const struct v4l2s_cam *cam, __u32 index,
			     int dmabuf_fd, __u32 length)
{
	struct v4l2_plane plane;
	struct v4l2_buffer b;

	memset(&b, 0, sizeof(b));
	memset(&plane, 0, sizeof(plane));
	b.type = cam->type;
	b.memory = V4L2_MEMORY_DMABUF;
	b.index = index;
	if (v4l2s_mplane(cam)) {
		plane.m.fd = dmabuf_fd;
		plane.length = length;
		b.m.planes = &plane;
		b.length = 1;
	} else {
		b.m.fd = dmabuf_fd;
		b.length = length;
	}
	return v4l2s_ioctl(cam->fd, VIDIOC_QBUF, &b);
}

/*
 * Wait up to @timeout_ms for a filled buffer and dequeue it: 0 with
 * *@index and *@bytesused, -ETIMEDOUT, -EIO for a buffer the driver
 * marked as an error, or -errno.
 */
static inline int v4l2s_dqbuf(const struct v4l2s_cam *cam, __u32 *index,
			      __u32 *bytesused, int timeout_ms)
{
	struct pollfd pfd = { .fd = cam->fd, .events = POLLIN };
	struct v4l2_plane plane;
	struct v4l2_buffer b;
	int ret;

	ret = poll(&pfd, 1, timeout_ms);
	if (ret < 0)
		return -errno;
	if (ret == 0)
		return -ETIMEDOUT;
	memset(&b, 0, sizeof(b));
	memset(&plane, 0, sizeof(plane));
	b.type = cam->type;
	b.memory = V4L2_MEMORY_DMABUF;
	if (v4l2s_mplane(cam)) {
		b.m.planes = &plane;
		b.length = 1;
	}
	ret = v4l2s_ioctl(cam->fd, VIDIOC_DQBUF, &b);
	if (ret)
		return ret;
	*index = b.index;
	*bytesused = v4l2s_mplane(cam) ? plane.bytesused : b.bytesused;
	return b.flags & V4L2_BUF_FLAG_ERROR ? -EIO : 0;
}

static inline int v4l2s_stream(const struct v4l2s_cam *cam, bool on)
{
	int type = (int)cam->type;

	return v4l2s_ioctl(cam->fd, on ? VIDIOC_STREAMON : VIDIOC_STREAMOFF,
			   &type);
}

/**
 * struct v4l2s_offer - one format the camera offers sysmem
 * @f: its entry in the mapping table
 * @tried: the device's answer to TRY_FMT at the wanted size
 * @color_space: the sysmem color space of @tried's colors
 */
struct v4l2s_offer {
	const struct v4l2s_format *f;
	struct v4l2s_fmt tried;
	__u32 color_space;
};

/**
 * v4l2s_offers() - what the camera can capture, in sysmem's terms
 * @cam: the device
 * @width: wanted width
 * @height: wanted height
 * @offers: filled, in the device's VIDIOC_ENUM_FMT order
 * @max: entries at @offers
 * @nr_enum: filled with the number of formats the device enumerated
 *
 * Every enumerated format that the table maps, that TRY_FMT keeps (no
 * substitute, progressive, exactly @width x @height) and whose colors
 * sysmem can name.
 *
 * Return: the number of offers, or -errno.
 */
static inline int v4l2s_offers(const struct v4l2s_cam *cam, __u32 width,
			       __u32 height, struct v4l2s_offer *offers,
			       int max, int *nr_enum)
{
	struct sysmem_format_info info;
	struct v4l2_fmtdesc fd;
	int n = 0, ret;

	*nr_enum = 0;
	for (__u32 i = 0;; i++) {
		const struct v4l2s_format *f;
		struct v4l2s_fmt t;

		memset(&fd, 0, sizeof(fd));
		fd.index = i;
		fd.type = cam->type;
		ret = v4l2s_ioctl(cam->fd, VIDIOC_ENUM_FMT, &fd);
		if (ret == -EINVAL)
			break;
		if (ret)
			return ret;
		(*nr_enum)++;
		f = v4l2s_from_v4l2(fd.pixelformat);
		if (!f || n == max || sysmem_format_get_info(f->drm, &info))
			continue;
		memset(&t, 0, sizeof(t));
		t.pixelformat = fd.pixelformat;
		t.width = width;
		t.height = height;
		t.field = V4L2_FIELD_NONE;
		ret = v4l2s_fmt_ioctl(cam, VIDIOC_TRY_FMT, &t);
		if (ret == -EOPNOTSUPP)
			continue;
		if (ret)
			return ret;
		if (t.pixelformat != fd.pixelformat || t.width != width ||
		    t.height != height || t.field != V4L2_FIELD_NONE)
			continue;
		offers[n].f = f;
		offers[n].tried = t;
		offers[n].color_space = v4l2s_color_space(t.colorspace,
			t.ycbcr_enc, t.quantization,
			info.flags & SYSMEM_FORMAT_INFO_YUV);
		if (offers[n].color_space == SYSMEM_COLOR_SPACE_INVALID)
			continue;
		n++;
	}
	return n;
}

/**
 * v4l2s_image_entry() - the sysmem image constraints of one offer
 * @o: the offer
 * @ic: filled
 *
 * The format, linear, in the color space the device produces; exactly
 * the tried size (as the smallest and largest size, and as the size the
 * buffers must fit); and the device's bytesperline as the smallest row
 * pitch: V4L2 drivers take any larger bytesperline the hardware can
 * stride (vivid takes any), and a participant with a row-pitch divisor
 * raises it.
 */
static inline void v4l2s_image_entry(const struct v4l2s_offer *o,
				     struct sysmem_image_constraints *ic)
{
	memset(ic, 0, sizeof(*ic));
	ic->flags = SYSMEM_IMAGE_HAS_MAX_SIZE |
		    SYSMEM_IMAGE_HAS_REQUIRED_MAX_SIZE;
	ic->nr_formats = 1;
	ic->formats[0].format = o->f->drm;
	ic->formats[0].modifier = SYSMEM_MODIFIER_LINEAR;
	ic->nr_color_spaces = 1;
	ic->color_spaces[0] = o->color_space;
	ic->min_size.width = o->tried.width;
	ic->min_size.height = o->tried.height;
	ic->max_size = ic->min_size;
	ic->required_max_size = ic->min_size;
	ic->min_bytes_per_row = o->tried.bytesperline;
}

#endif /* SYSMEM_V4L2_CAMERA_H */

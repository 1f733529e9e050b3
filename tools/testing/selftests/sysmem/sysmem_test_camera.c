// SPDX-License-Identifier: GPL-2.0
/*
 * sysmem_test_camera: a kernel participant for sysmem's selftests.
 *
 * A small camera driver made up for the tests.  Its misc device,
 * /dev/sysmem-test-camera, gives each open file one capture stream, and
 * each stream takes part in a sysmem negotiation through the in-kernel
 * participant API (<linux/sysmem.h>), as a real capture driver would:
 *
 *  - CAMERA_IOC_BIND_TOKEN: userspace hands the stream a token fd; the
 *    stream turns it into a kernel node, binds it and sets camera
 *    constraints: NV12, linear, the asked size, three buffers to camp
 *    on, CPU write and video capture usage, physically contiguous if
 *    asked.  The ioctl returns at once; the negotiation goes on.
 *  - CAMERA_IOC_CREATE_TOKEN: the stream starts a collection itself
 *    and returns a token of it to userspace (through
 *    sysmem_knode_get_file(), or sysmem_knode_get_fd() if asked).
 *  - When sysmem reports the buffers allocated (the changed() callback,
 *    from sysmem's workqueue), the stream takes one dma-buf per buffer,
 *    maps each into the kernel and writes one test frame into it at the
 *    negotiated plane offsets and row pitch (see sysmem_test_camera.h).
 *    It holds the dma-bufs until it leaves the collection or the
 *    collection fails.
 *  - CAMERA_IOC_RELEASE leaves cleanly; closing the file without it
 *    goes away without release, which fails the collection.
 *  - CAMERA_IOC_KEEP hands the stream to the module: closing the file
 *    then keeps its node until the module unloads, which closes it.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/dma-buf.h>
#include <linux/dma-direction.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/iosys-map.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysmem.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include <drm/drm_fourcc.h>

#include "sysmem_test_camera.h"

/* dma_buf_vmap() without the reservation lock: see sysmem_test_heap.c. */
#ifdef SYSMEM_HAVE_DMA_BUF_UNLOCKED
#define camera_vmap		dma_buf_vmap_unlocked
#define camera_vunmap		dma_buf_vunmap_unlocked
#else
#define camera_vmap		dma_buf_vmap
#define camera_vunmap		dma_buf_vunmap
#endif

#define CAMERA_MAX_DIM		4096

/**
 * struct camera_stream - one open file of the device: a capture stream
 * @lock: protects everything below but @link, and serializes every
 *	sysmem_knode_*() call on @kn but the last (release or close),
 *	which is made after @kn is cleared, without @lock
 * @kn: the stream's collection node, NULL when it has none
 * @bufs: the buffers, @nr_bufs of them, one reference each
 * @nr_bufs: entries of @bufs held
 * @width: frame width
 * @height: frame height
 * @status: what CAMERA_IOC_STATUS reports (@status.state and
 *	@status.reason are the last known, kept for when @kn is gone)
 * @kept: the file handed the stream to the module (CAMERA_IOC_KEEP)
 * @wq: CAMERA_IOC_WAIT waits here for @status.cb_calls
 * @link: entry in camera_streams, under camera_streams_lock
 * @id: the stream's number, its debug id in sysmem's logs
 */
struct camera_stream {
	struct mutex lock;	/* see above */
	struct sysmem_knode *kn;
	struct dma_buf *bufs[SYSMEM_MAX_BUFFERS];
	unsigned int nr_bufs;
	u32 width;
	u32 height;
	struct camera_status status;
	bool kept;
	wait_queue_head_t wq;
	struct list_head link;
	u64 id;
};

/*
 * Every stream, open or kept.  Once the device is deregistered (module
 * exit), only kept ones are left, since an open file pins the module.
 */
static LIST_HEAD(camera_streams);
static DEFINE_MUTEX(camera_streams_lock);
static atomic64_t camera_next_id = ATOMIC64_INIT(0);

/* Drop the stream's buffers.  @s->lock held. */
static void camera_put_bufs(struct camera_stream *s)
{
	unsigned int i;

	lockdep_assert_held(&s->lock);
	for (i = 0; i < s->nr_bufs; i++) {
		dma_buf_put(s->bufs[i]);
		s->bufs[i] = NULL;
	}
	s->nr_bufs = 0;
	s->status.buffers = 0;
}

/* Write one test frame into buffer @index, mapped at @vaddr. */
static void camera_write_frame(struct camera_stream *s, u8 *vaddr,
			       unsigned int index,
			       const struct sysmem_image_format *img)
{
	const struct sysmem_plane *y = &img->planes[0], *uv = &img->planes[1];
	u32 row;

	for (row = 0; row < s->height; row++)
		memset(vaddr + y->offset + (u64)row * y->bytes_per_row,
		       CAMERA_Y_BYTE(index, row), s->width);
	/* NV12: half the rows, each as many bytes as a Y row. */
	for (row = 0; row < s->height / 2; row++)
		memset(vaddr + uv->offset + (u64)row * uv->bytes_per_row,
		       CAMERA_UV_BYTE(index), s->width);
}

/* Whether the frame fits in @size bytes as @img lays it out. */
static bool camera_frame_fits(struct camera_stream *s,
			      const struct sysmem_image_format *img,
			      size_t size)
{
	unsigned int p;
	u32 rows;

	if (img->format != DRM_FORMAT_NV12 || img->nr_planes != 2 ||
	    img->size.width < s->width || img->size.height < s->height)
		return false;
	for (p = 0; p < 2; p++) {
		rows = p ? s->height / 2 : s->height;
		if (img->planes[p].bytes_per_row < s->width ||
		    img->planes[p].offset +
		    (u64)(rows - 1) * img->planes[p].bytes_per_row +
		    s->width > size)
			return false;
	}
	return true;
}

/* Map buffer @index into the kernel and write its frame into it. */
static int camera_capture_one(struct camera_stream *s, unsigned int index,
			      const struct sysmem_image_format *img)
{
	struct dma_buf *dmabuf = s->bufs[index];
	struct iosys_map map;
	int ret;

	if (!camera_frame_fits(s, img, dmabuf->size))
		return -EOVERFLOW;
	ret = camera_vmap(dmabuf, &map);
	if (ret)
		return ret;
	if (map.is_iomem) {
		ret = -EOPNOTSUPP;
		goto vunmap;
	}
	ret = dma_buf_begin_cpu_access(dmabuf, DMA_TO_DEVICE);
	if (ret)
		goto vunmap;
	camera_write_frame(s, map.vaddr, index, img);
	ret = dma_buf_end_cpu_access(dmabuf, DMA_TO_DEVICE);
vunmap:
	camera_vunmap(dmabuf, &map);
	return ret;
}

/* The buffers are allocated: take them and write a frame into each. */
static int camera_capture(struct camera_stream *s)
{
	struct sysmem_buffer_settings *settings;
	unsigned int i, count = 0;
	int ret;

	lockdep_assert_held(&s->lock);
	settings = kzalloc(sizeof(*settings), GFP_KERNEL);
	if (!settings)
		return -ENOMEM;
	ret = sysmem_knode_get_result(s->kn, settings, s->bufs,
				      ARRAY_SIZE(s->bufs), &count);
	if (ret)
		goto out;
	s->nr_bufs = count;
	s->status.buffers = count;
	s->status.size_bytes = settings->size_bytes;
	if (!(settings->flags & SYSMEM_SETTINGS_HAS_IMAGE_FORMAT)) {
		ret = -EPROTO;
		goto out;
	}
	s->status.format = settings->image.format;
	s->status.bytes_per_row = settings->image.planes[0].bytes_per_row;
	s->status.uv_offset = settings->image.planes[1].offset;
	for (i = 0; i < s->nr_bufs; i++) {
		ret = camera_capture_one(s, i, &settings->image);
		if (ret)
			goto out;
		s->status.frames++;
	}
out:
	kfree(settings);
	return ret;
}

/* sysmem's report; from its workqueue, never twice at once. */
static void camera_changed(struct sysmem_knode *kn, u32 state, u32 reason,
			   void *priv)
{
	struct camera_stream *s = priv;
	int ret = 0;

	mutex_lock(&s->lock);
	/* The stream is leaving the node: its release or close waits. */
	if (s->kn != kn)
		goto unlock;
	if (state == SYSMEM_STATE_ALLOCATED) {
		s->status.cb_seen |= CAMERA_SAW_ALLOCATED;
		ret = camera_capture(s);
	} else if (state == SYSMEM_STATE_FAILED) {
		/* The stream stops; the memory goes once others let go. */
		s->status.cb_seen |= CAMERA_SAW_FAILED;
		camera_put_bufs(s);
	}
	if (ret && !s->status.error)
		s->status.error = ret;
	s->status.cb_state = state;
	s->status.cb_reason = reason;
	s->status.state = state;
	s->status.reason = reason;
	/* Last: CAMERA_IOC_WAIT returns once the work is done. */
	WRITE_ONCE(s->status.cb_calls, s->status.cb_calls + 1);
	wake_up_all(&s->wq);
unlock:
	mutex_unlock(&s->lock);
}

static const struct sysmem_knode_ops camera_knode_ops = {
	.changed = camera_changed,
};

/*
 * Take @s's node away from it, with @s->lock held: from then on the
 * callback ignores it.  The caller releases or closes what this
 * returns after dropping @s->lock, since release and close wait for a
 * callback that may be waiting for that lock.
 */
static struct sysmem_knode *camera_take_node(struct camera_stream *s)
{
	struct sysmem_knode *kn = s->kn;

	lockdep_assert_held(&s->lock);
	if (kn)
		s->status.state = sysmem_knode_check(kn, &s->status.reason);
	s->kn = NULL;
	camera_put_bufs(s);
	return kn;
}

/* A new node for @s: clear what the previous one left. */
static void camera_reset(struct camera_stream *s, u32 width, u32 height)
{
	lockdep_assert_held(&s->lock);
	memset(&s->status, 0, sizeof(s->status));
	s->status.debug_id = s->id;
	s->width = width;
	s->height = height;
}

static void camera_dbg(struct camera_stream *s, struct sysmem_debug_info *dbg)
{
	memset(dbg, 0, sizeof(*dbg));
	strscpy(dbg->name, CAMERA_DBG_NAME, sizeof(dbg->name));
	dbg->id = s->id;
}

/* Set the camera's constraints on @kn. */
static int camera_set_constraints(struct sysmem_knode *kn, u32 flags,
				  u32 width, u32 height)
{
	struct sysmem_buffer_constraints c = {
		.usage = SYSMEM_USAGE_CPU_WRITE | SYSMEM_USAGE_VIDEO_CAPTURE,
		.min_buffer_count_for_camping = CAMERA_CAMPING,
		.image_format_count = 1,
	};
	struct sysmem_image_constraints *img;
	int ret;

	if (flags & CAMERA_CONTIGUOUS)
		c.flags |= SYSMEM_CONSTRAINTS_PHYSICALLY_CONTIGUOUS;
	img = kzalloc(sizeof(*img), GFP_KERNEL);
	if (!img)
		return -ENOMEM;
	img->nr_formats = 1;
	img->formats[0].format = DRM_FORMAT_NV12;
	img->formats[0].modifier = SYSMEM_MODIFIER_LINEAR;
	img->nr_color_spaces = 1;
	img->color_spaces[0] = SYSMEM_COLOR_SPACE_REC709;
	img->flags = SYSMEM_IMAGE_HAS_MAX_SIZE |
		     SYSMEM_IMAGE_HAS_REQUIRED_MAX_SIZE;
	img->max_size.width = width;
	img->max_size.height = height;
	img->required_max_size = img->max_size;
	ret = sysmem_knode_set_constraints(kn, &c, NULL, img);
	kfree(img);
	return ret;
}

static int camera_check_frame(u32 flags, u32 width, u32 height)
{
	if (flags & ~CAMERA_FLAGS_ALL)
		return -EINVAL;
	if (!width || !height || width > CAMERA_MAX_DIM ||
	    height > CAMERA_MAX_DIM || width % 2 || height % 2)
		return -EINVAL;
	return 0;
}

/*
 * Bind @kn (a token) for @s and set its constraints.  On success @s
 * holds @kn; on failure the caller still owns it.  @s->lock held.
 */
static int camera_start(struct camera_stream *s, struct sysmem_knode *kn,
			u32 flags, u32 width, u32 height)
{
	int ret;

	lockdep_assert_held(&s->lock);
	camera_reset(s, width, height);
	ret = sysmem_knode_bind(kn, &camera_knode_ops, s);
	if (ret)
		return ret;
	/* The callback waits for s->lock and then finds its node. */
	s->kn = kn;
	s->status.collection_id = sysmem_knode_collection_id(kn);
	ret = sysmem_knode_set_name(kn, 1, "camera");
	if (!ret)
		ret = camera_set_constraints(kn, flags, width, height);
	if (ret)
		s->kn = NULL;
	return ret;
}

static long camera_bind_token(struct camera_stream *s, void __user *argp)
{
	struct sysmem_debug_info dbg;
	struct sysmem_knode *kn;
	struct camera_bind arg;
	int ret;

	if (copy_from_user(&arg, argp, sizeof(arg)))
		return -EFAULT;
	ret = camera_check_frame(arg.flags, arg.width, arg.height);
	if (ret)
		return ret;
	camera_dbg(s, &dbg);

	mutex_lock(&s->lock);
	if (s->kn) {
		ret = -EBUSY;
		goto unlock;
	}
	kn = sysmem_knode_from_fd(arg.token_fd, &dbg);
	if (IS_ERR(kn)) {
		ret = PTR_ERR(kn);
		goto unlock;
	}
	ret = camera_start(s, kn, arg.flags, arg.width, arg.height);
	mutex_unlock(&s->lock);
	/* A camera that cannot take part fails the collection. */
	if (ret)
		sysmem_knode_close(kn);
	return ret;

unlock:
	mutex_unlock(&s->lock);
	return ret;
}

/*
 * CAMERA_IOC_CREATE_TOKEN with CAMERA_CREATE_GET_FD: userspace's token
 * from sysmem_knode_get_fd(), which installs the fd at once, so it is
 * the last call that may fail.  The token to duplicate must still be a
 * token then, but the root must be bound before: the fd comes from a
 * kernel-held child duplicated before the bind, released after.
 */
static long camera_create_get_fd(struct camera_stream *s,
				 struct camera_create *arg, void __user *argp)
{
	struct sysmem_knode *root, *child;
	struct sysmem_debug_info dbg;
	int ret, fd;

	camera_dbg(s, &dbg);
	mutex_lock(&s->lock);
	if (s->kn) {
		ret = -EBUSY;
		goto unlock;
	}
	root = sysmem_knode_alloc_token(&dbg);
	if (IS_ERR(root)) {
		ret = PTR_ERR(root);
		goto unlock;
	}
	child = sysmem_knode_duplicate(root, arg->rights_mask);
	if (IS_ERR(child)) {
		ret = PTR_ERR(child);
		mutex_unlock(&s->lock);
		sysmem_knode_close(root);
		return ret;
	}
	ret = camera_start(s, root, arg->flags, arg->width, arg->height);
	if (ret)
		goto close_both;
	fd = sysmem_knode_get_fd(child, SYSMEM_RIGHTS_SAME);
	if (fd < 0) {
		ret = fd;
		s->kn = NULL;
		goto close_both;
	}
	arg->token_fd = fd;
	mutex_unlock(&s->lock);
	sysmem_knode_release(child);
	/* The fd is the caller's now, even if it cannot learn its number. */
	if (copy_to_user(argp, arg, sizeof(*arg)))
		return -EFAULT;
	return 0;

close_both:
	mutex_unlock(&s->lock);
	sysmem_knode_close(child);
	sysmem_knode_close(root);
	return ret;

unlock:
	mutex_unlock(&s->lock);
	return ret;
}

/*
 * CAMERA_IOC_CREATE_TOKEN: a new collection, the camera's root bound,
 * and userspace's token as a file from sysmem_knode_get_file(),
 * installed in a reserved fd once nothing else can fail.
 */
static long camera_create_token(struct camera_stream *s, void __user *argp)
{
	struct sysmem_debug_info dbg;
	struct sysmem_knode *root;
	struct camera_create arg;
	struct file *file;
	int ret, fd;

	if (copy_from_user(&arg, argp, sizeof(arg)))
		return -EFAULT;
	if (arg.reserved)
		return -EINVAL;
	ret = camera_check_frame(arg.flags & ~CAMERA_CREATE_GET_FD, arg.width,
				 arg.height);
	if (ret)
		return ret;
	if (arg.flags & CAMERA_CREATE_GET_FD) {
		arg.flags &= ~CAMERA_CREATE_GET_FD;
		return camera_create_get_fd(s, &arg, argp);
	}
	camera_dbg(s, &dbg);

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0)
		return fd;
	mutex_lock(&s->lock);
	if (s->kn) {
		ret = -EBUSY;
		goto put_fd;
	}
	root = sysmem_knode_alloc_token(&dbg);
	if (IS_ERR(root)) {
		ret = PTR_ERR(root);
		goto put_fd;
	}
	/* Duplicates are made before the bind: a collection has none. */
	file = sysmem_knode_get_file(root, arg.rights_mask);
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		mutex_unlock(&s->lock);
		sysmem_knode_close(root);
		put_unused_fd(fd);
		return ret;
	}
	ret = camera_start(s, root, arg.flags, arg.width, arg.height);
	if (ret)
		goto put_file;
	arg.token_fd = fd;
	if (copy_to_user(argp, &arg, sizeof(arg))) {
		ret = -EFAULT;
		s->kn = NULL;
		goto put_file;
	}
	mutex_unlock(&s->lock);
	fd_install(fd, file);
	return 0;

put_file:
	mutex_unlock(&s->lock);
	/* Never installed: the token goes away quietly. */
	fput(file);
	sysmem_knode_close(root);
	put_unused_fd(fd);
	return ret;

put_fd:
	mutex_unlock(&s->lock);
	put_unused_fd(fd);
	return ret;
}

static long camera_status(struct camera_stream *s, void __user *argp)
{
	struct camera_status st;

	mutex_lock(&s->lock);
	if (s->kn)
		s->status.state = sysmem_knode_check(s->kn, &s->status.reason);
	st = s->status;
	mutex_unlock(&s->lock);
	if (copy_to_user(argp, &st, sizeof(st)))
		return -EFAULT;
	return 0;
}

static long camera_wait(struct camera_stream *s, void __user *argp)
{
	struct camera_wait arg;
	long ret;

	if (copy_from_user(&arg, argp, sizeof(arg)))
		return -EFAULT;
	if (arg.calls < 1 || arg.calls > 2)
		return -EINVAL;
	ret = wait_event_interruptible_timeout(s->wq,
					       READ_ONCE(s->status.cb_calls) >=
					       arg.calls,
					       msecs_to_jiffies(arg.timeout_ms));
	if (ret < 0)
		return -EINTR;
	return ret ? 0 : -ETIMEDOUT;
}

static long camera_release_node(struct camera_stream *s)
{
	struct sysmem_knode *kn;

	mutex_lock(&s->lock);
	kn = camera_take_node(s);
	mutex_unlock(&s->lock);
	if (!kn)
		return -ESTALE;
	sysmem_knode_release(kn);
	return 0;
}

static long camera_keep(struct camera_stream *s)
{
	long ret = 0;

	mutex_lock(&s->lock);
	if (s->kn)
		s->kept = true;
	else
		ret = -ESTALE;
	mutex_unlock(&s->lock);
	return ret;
}

static long camera_ioctl(struct file *file, unsigned int cmd,
			 unsigned long arg)
{
	struct camera_stream *s = file->private_data;
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case CAMERA_IOC_BIND_TOKEN:
		return camera_bind_token(s, argp);
	case CAMERA_IOC_CREATE_TOKEN:
		return camera_create_token(s, argp);
	case CAMERA_IOC_STATUS:
		return camera_status(s, argp);
	case CAMERA_IOC_WAIT:
		return camera_wait(s, argp);
	case CAMERA_IOC_RELEASE:
		return camera_release_node(s);
	case CAMERA_IOC_KEEP:
		return camera_keep(s);
	default:
		return -ENOTTY;
	}
}

static int camera_open(struct inode *inode, struct file *file)
{
	struct camera_stream *s;

	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	mutex_init(&s->lock);
	init_waitqueue_head(&s->wq);
	s->id = atomic64_inc_return(&camera_next_id);
	mutex_lock(&camera_streams_lock);
	list_add_tail(&s->link, &camera_streams);
	mutex_unlock(&camera_streams_lock);
	file->private_data = s;
	return 0;
}

/* Close @s's node without release (failing its collection) and free @s. */
static void camera_destroy(struct camera_stream *s)
{
	struct sysmem_knode *kn;

	mutex_lock(&s->lock);
	kn = camera_take_node(s);
	mutex_unlock(&s->lock);
	if (kn)
		sysmem_knode_close(kn);
	mutex_destroy(&s->lock);
	kfree(s);
}

static int camera_file_release(struct inode *inode, struct file *file)
{
	struct camera_stream *s = file->private_data;
	bool kept;

	mutex_lock(&s->lock);
	kept = s->kept;
	mutex_unlock(&s->lock);
	if (kept)
		return 0;
	mutex_lock(&camera_streams_lock);
	list_del(&s->link);
	mutex_unlock(&camera_streams_lock);
	camera_destroy(s);
	return 0;
}

static const struct file_operations camera_fops = {
	.owner = THIS_MODULE,
	.open = camera_open,
	.release = camera_file_release,
	.unlocked_ioctl = camera_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice camera_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = CAMERA_DEV_NAME,
	.fops = &camera_fops,
	.mode = 0666,
};

static int __init camera_init(void)
{
	return misc_register(&camera_misc);
}

static void __exit camera_exit(void)
{
	struct camera_stream *s, *next;

	misc_deregister(&camera_misc);
	/*
	 * No file is open (each pins the module): what is left are kept
	 * streams.  Closing their nodes fails their collections, waits
	 * for their callbacks and drops their buffers.
	 */
	mutex_lock(&camera_streams_lock);
	list_for_each_entry_safe(s, next, &camera_streams, link) {
		list_del(&s->link);
		camera_destroy(s);
	}
	mutex_unlock(&camera_streams_lock);
}

module_init(camera_init);
module_exit(camera_exit);

MODULE_DESCRIPTION("sysmem selftest kernel participant: a made-up camera");
MODULE_LICENSE("GPL");
SYSMEM_IMPORT_NS();
#ifdef SYSMEM_NS_IS_STRING
MODULE_IMPORT_NS("DMA_BUF");
#else
MODULE_IMPORT_NS(DMA_BUF);
#endif

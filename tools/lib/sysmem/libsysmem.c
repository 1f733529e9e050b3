// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libsysmem: userspace access to /dev/sysmem.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "libsysmem.h"
#include "sysmem_format.h"
#include "sysmem_image.h"

static int sysmem_ioctl(int fd, unsigned long cmd, void *arg)
{
	int ret = ioctl(fd, cmd, arg);

	return ret < 0 ? -errno : ret;
}

int sysmem_open(void)
{
	int fd = open(SYSMEM_DEV_PATH, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int sysmem_get_version(int fd, struct sysmem_version *version)
{
	return sysmem_ioctl(fd, SYSMEM_IOC_GET_VERSION, version);
}

int sysmem_check_version(int fd)
{
	struct sysmem_version v;
	int ret;

	ret = sysmem_get_version(fd, &v);
	if (ret < 0)
		return ret;
	if (v.major != SYSMEM_ABI_MAJOR || v.minor < SYSMEM_ABI_MINOR)
		return -EPROTO;
	return 0;
}

/* Copy @src into the fixed-size @dst, always NUL-terminated. */
static void copy_name(char *dst, size_t len, const char *src)
{
	size_t n = strnlen(src, len - 1);

	memset(dst, 0, len);
	memcpy(dst, src, n);
}

static int new_node(int dev_fd, unsigned long cmd)
{
	struct sysmem_new_node arg = { 0 };
	int ret = sysmem_ioctl(dev_fd, cmd, &arg);

	return ret < 0 ? ret : arg.fd;
}

int sysmem_alloc_token(int dev_fd)
{
	return new_node(dev_fd, SYSMEM_IOC_ALLOC_TOKEN);
}

int sysmem_alloc_nonshared(int dev_fd)
{
	return new_node(dev_fd, SYSMEM_IOC_ALLOC_NONSHARED);
}

int sysmem_bind(int dev_fd, int token_fd)
{
	struct sysmem_bind arg = { .token_fd = token_fd };
	int ret = sysmem_ioctl(dev_fd, SYSMEM_IOC_BIND, &arg);

	return ret < 0 ? ret : arg.collection_fd;
}

int sysmem_buffer_info(int dev_fd, int dmabuf_fd, __u64 *collection_id,
		       __u32 *index)
{
	struct sysmem_buffer_info arg = { .dmabuf_fd = dmabuf_fd };
	int ret = sysmem_ioctl(dev_fd, SYSMEM_IOC_BUFFER_INFO, &arg);

	if (ret < 0)
		return ret;
	if (collection_id)
		*collection_id = arg.collection_id;
	if (index)
		*index = arg.buffer_index;
	return 0;
}

int sysmem_set_debug_info(int fd, const char *name, __u64 id)
{
	struct sysmem_debug_info arg = { .id = id };
	int ret;

	copy_name(arg.name, sizeof(arg.name), name);
	/* The allocator and the nodes have their own ioctl numbers. */
	ret = sysmem_ioctl(fd, SYSMEM_IOC_NODE_SET_DEBUG_INFO, &arg);
	if (ret == -ENOTTY)
		ret = sysmem_ioctl(fd, SYSMEM_IOC_SET_DEBUG_INFO, &arg);
	return ret;
}

int sysmem_release(int node_fd)
{
	return sysmem_ioctl(node_fd, SYSMEM_IOC_NODE_RELEASE, NULL);
}

int sysmem_set_name(int node_fd, __u32 priority, const char *name)
{
	struct sysmem_set_name arg = { .priority = priority };

	if (strlen(name) >= sizeof(arg.name))
		return -EINVAL;
	copy_name(arg.name, sizeof(arg.name), name);
	return sysmem_ioctl(node_fd, SYSMEM_IOC_NODE_SET_NAME, &arg);
}

int sysmem_get_collection_id(int node_fd, __u64 *id)
{
	struct sysmem_collection_id arg = { 0 };
	int ret = sysmem_ioctl(node_fd, SYSMEM_IOC_NODE_GET_COLLECTION_ID, &arg);

	if (ret < 0)
		return ret;
	*id = arg.id;
	return 0;
}

int sysmem_duplicate(int token_fd, __u32 rights_mask)
{
	struct sysmem_duplicate arg = { .rights_mask = rights_mask };
	int ret = sysmem_ioctl(token_fd, SYSMEM_IOC_TOKEN_DUPLICATE, &arg);

	return ret < 0 ? ret : arg.fd;
}

int sysmem_duplicate_many(int token_fd, const __u32 *rights_masks, int *fds,
			  unsigned int count)
{
	struct sysmem_duplicate_many arg = {
		.rights_masks = (__u64)(uintptr_t)rights_masks,
		.fds = (__u64)(uintptr_t)fds,
		.count = count,
	};

	return sysmem_ioctl(token_fd, SYSMEM_IOC_TOKEN_DUPLICATE_MANY, &arg);
}

int sysmem_attach_node_tracking(int node_fd)
{
	struct sysmem_new_node arg = { 0 };
	int ret;

	ret = sysmem_ioctl(node_fd, SYSMEM_IOC_NODE_ATTACH_NODE_TRACKING, &arg);
	return ret < 0 ? ret : arg.fd;
}

int sysmem_attach_lifetime_tracking(int coll_fd, __u32 buffers_remaining)
{
	struct sysmem_lifetime_tracking arg = {
		.buffers_remaining = buffers_remaining,
	};
	int ret;

	ret = sysmem_ioctl(coll_fd, SYSMEM_IOC_ATTACH_LIFETIME_TRACKING, &arg);
	return ret < 0 ? ret : arg.fd;
}

int sysmem_attach_token(int coll_fd, __u32 rights_mask)
{
	struct sysmem_duplicate arg = { .rights_mask = rights_mask };
	int ret;

	ret = sysmem_ioctl(coll_fd, SYSMEM_IOC_ATTACH_TOKEN, &arg);
	return ret < 0 ? ret : arg.fd;
}

int sysmem_create_group(int token_fd)
{
	struct sysmem_new_node arg = { 0 };
	int ret;

	ret = sysmem_ioctl(token_fd, SYSMEM_IOC_TOKEN_CREATE_GROUP, &arg);
	return ret < 0 ? ret : arg.fd;
}

int sysmem_group_create_child(int group_fd, __u32 rights_mask)
{
	struct sysmem_duplicate arg = { .rights_mask = rights_mask };
	int ret;

	ret = sysmem_ioctl(group_fd, SYSMEM_IOC_GROUP_CREATE_CHILD, &arg);
	return ret < 0 ? ret : arg.fd;
}

int sysmem_group_create_children(int group_fd, const __u32 *rights_masks,
				 int *fds, unsigned int count)
{
	struct sysmem_duplicate_many arg = {
		.rights_masks = (__u64)(uintptr_t)rights_masks,
		.fds = (__u64)(uintptr_t)fds,
		.count = count,
	};

	return sysmem_ioctl(group_fd, SYSMEM_IOC_GROUP_CREATE_CHILDREN, &arg);
}

int sysmem_group_all_children_present(int group_fd)
{
	return sysmem_ioctl(group_fd, SYSMEM_IOC_GROUP_ALL_CHILDREN_PRESENT,
			    NULL);
}

int sysmem_get_node_ref(int node_fd)
{
	struct sysmem_new_node arg = { 0 };
	int ret;

	ret = sysmem_ioctl(node_fd, SYSMEM_IOC_NODE_GET_REF, &arg);
	return ret < 0 ? ret : arg.fd;
}

int sysmem_is_alternate_for(int node_fd, int ref_fd)
{
	struct sysmem_is_alternate arg = { .ref_fd = ref_fd };
	int ret;

	ret = sysmem_ioctl(node_fd, SYSMEM_IOC_NODE_IS_ALTERNATE_FOR, &arg);
	return ret < 0 ? ret : !!arg.is_alternate;
}

int sysmem_set_dispensable(int token_fd)
{
	return sysmem_ioctl(token_fd, SYSMEM_IOC_TOKEN_SET_DISPENSABLE, NULL);
}

int sysmem_set_weak(int node_fd)
{
	return sysmem_ioctl(node_fd, SYSMEM_IOC_NODE_SET_WEAK, NULL);
}

int sysmem_set_weak_ok(int node_fd, bool for_children)
{
	struct sysmem_weak_ok arg = {
		.flags = for_children ? SYSMEM_WEAK_OK_FOR_CHILDREN : 0,
	};

	return sysmem_ioctl(node_fd, SYSMEM_IOC_NODE_SET_WEAK_OK, &arg);
}

int sysmem_set_debug_timeout_log_deadline(int node_fd, __s64 deadline_ns)
{
	struct sysmem_debug_timeout arg = {
		.deadline_ns = deadline_ns,
	};

	return sysmem_ioctl(node_fd,
			    SYSMEM_IOC_NODE_SET_DEBUG_TIMEOUT_LOG_DEADLINE,
			    &arg);
}

int sysmem_set_max_total_bytes(int node_fd, __u64 max_total_bytes)
{
	struct sysmem_max_total arg = {
		.max_total_bytes = max_total_bytes,
	};

	return sysmem_ioctl(node_fd, SYSMEM_IOC_NODE_SET_MAX_TOTAL_BYTES,
			    &arg);
}

int sysmem_set_constraints(int coll_fd,
			   const struct sysmem_buffer_constraints *c)
{
	return sysmem_ioctl(coll_fd, SYSMEM_IOC_SET_CONSTRAINTS, (void *)c);
}

int sysmem_wait(int coll_fd, __s64 timeout_ns)
{
	struct sysmem_wait arg = { .timeout_ns = timeout_ns };

	return sysmem_ioctl(coll_fd, SYSMEM_IOC_WAIT, &arg);
}

int sysmem_check(int coll_fd, __u32 *state, __u32 *reason)
{
	struct sysmem_check arg = { 0 };
	int ret = sysmem_ioctl(coll_fd, SYSMEM_IOC_CHECK, &arg);

	if (ret < 0)
		return ret;
	*state = arg.state;
	if (reason)
		*reason = arg.reason;
	return 0;
}

/* SYSMEM_IOC_GET_RESULT into @arg; both result calls build on it. */
static int sysmem_result_ioctl(int coll_fd,
			       struct sysmem_buffer_settings *settings,
			       int *fds, int *close_weak_fds,
			       unsigned int fd_capacity,
			       struct sysmem_result *arg)
{
	*arg = (struct sysmem_result){
		.settings = (__u64)(uintptr_t)settings,
		.settings_size = settings ? sizeof(*settings) : 0,
		.fd_capacity = fds ? fd_capacity : 0,
		.fds = (__u64)(uintptr_t)fds,
		.close_weak_fds = (__u64)(uintptr_t)close_weak_fds,
	};
	return sysmem_ioctl(coll_fd, SYSMEM_IOC_GET_RESULT, arg);
}

int sysmem_get_result(int coll_fd, struct sysmem_buffer_settings *settings,
		      int *fds, unsigned int fd_capacity,
		      unsigned int *buffer_count, unsigned int *fd_count)
{
	struct sysmem_result arg;
	int ret = sysmem_result_ioctl(coll_fd, settings, fds, NULL,
				      fd_capacity, &arg);

	if (ret < 0)
		return ret;
	if (buffer_count)
		*buffer_count = arg.buffer_count;
	if (fd_count)
		*fd_count = arg.fd_count;
	return 0;
}

int sysmem_get_weak_result(int coll_fd,
			   struct sysmem_buffer_settings *settings,
			   int *fds, int *close_weak_fds,
			   unsigned int fd_capacity,
			   unsigned int *buffer_count, unsigned int *fd_count,
			   bool *weak)
{
	struct sysmem_result arg;
	unsigned int i;
	int ret = sysmem_result_ioctl(coll_fd, settings, fds, close_weak_fds,
				      fd_capacity, &arg);

	if (ret < 0)
		return ret;
	/* A strong node fills no close-weak fds: say so. */
	if (close_weak_fds && !(arg.result_flags & SYSMEM_RESULT_WEAK))
		for (i = 0; i < arg.fd_count; i++)
			close_weak_fds[i] = -1;
	if (buffer_count)
		*buffer_count = arg.buffer_count;
	if (fd_count)
		*fd_count = arg.fd_count;
	if (weak)
		*weak = arg.result_flags & SYSMEM_RESULT_WEAK;
	return 0;
}

int sysmem_send_token(int sock, int token_fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	char byte = 'T';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf,
		.msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
	ssize_t n;

	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &token_fd, sizeof(int));
	do {
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == 1 ? 0 : -EPROTO;
}

int sysmem_recv_token(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf,
		.msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cmsg;
	ssize_t n;
	int fd;

	do {
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	cmsg = CMSG_FIRSTHDR(&msg);
	if (!cmsg || cmsg->cmsg_level != SOL_SOCKET ||
	    cmsg->cmsg_type != SCM_RIGHTS ||
	    cmsg->cmsg_len != CMSG_LEN(sizeof(int)))
		return -EPROTO;
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
	if (n != 1 || (msg.msg_flags & MSG_CTRUNC)) {
		close(fd);
		return -EPROTO;
	}
	return fd;
}

int sysmem_image_layout(const struct sysmem_image_format *img, __u32 width,
			__u32 height, struct sysmem_image_format *out)
{
	return sysmem_image_format_layout(img, width, height, out) ? -EINVAL : 0;
}

static_assert(SYSMEM_FORMAT_MAX_PLANES <= SYSMEM_MAX_PLANES,
	      "sysmem_format_info cannot hold every plane of the table");

int sysmem_format_get_info(__u32 fourcc, struct sysmem_format_info *info)
{
	const struct sysmem_format_desc *f = sysmem_format_lookup(fourcc);
	unsigned int p;

	if (!f || !info)
		return -EINVAL;
	memset(info, 0, sizeof(*info));
	info->fourcc = f->fourcc;
	info->nr_planes = f->nr_planes;
	for (p = 0; p < f->nr_planes; p++)
		info->bytes_per_sample[p] = f->cpp[p];
	info->block_width = f->block_w;
	info->hsub = f->hsub;
	info->vsub = f->vsub;
	if (f->has_alpha)
		info->flags |= SYSMEM_FORMAT_INFO_ALPHA;
	if (f->is_yuv)
		info->flags |= SYSMEM_FORMAT_INFO_YUV;
	if (f->is_rgb10)
		info->flags |= SYSMEM_FORMAT_INFO_RGB10;
	return 0;
}

unsigned int sysmem_format_known_count(void)
{
	return sysmem_format_count();
}

__u32 sysmem_format_known_at(unsigned int i)
{
	const struct sysmem_format_desc *f = sysmem_format_at(i);

	return f ? f->fourcc : 0;
}

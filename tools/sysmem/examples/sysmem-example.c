// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * sysmem-example: two processes share NV12 buffers through sysmem.
 *
 * The producer creates a token, duplicates it with read rights only and
 * sends the duplicate over a unix socket to the consumer, a child
 * process.  Each binds its token into a collection and states its own
 * constraints: the producer writes with the CPU and needs buffers for
 * NV12 images up to 320x240; the consumer reads with the CPU and takes
 * NV12 or XRGB8888.  Each holds one buffer at a time.  sysmem picks NV12 and allocates the
 * buffers once; both get the same dma-bufs.
 *
 * The producer then fills a 160x120 frame in buffer 0, laid out by
 * sysmem_image_layout() at that size, and sends the size.  The consumer
 * computes the same layout, checks every byte of both planes and
 * answers.  The example's exit status is 0 only when the consumer saw
 * exactly what the producer wrote.
 *
 * Build against an installed libsysmem:
 *
 *	cc -o sysmem-example sysmem-example.c $(pkg-config --cflags --libs sysmem)
 *
 * See Documentation/sysmem/getting-started.rst.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/dma-buf.h>

#include <libsysmem.h>

#define FOURCC(a, b, c, d) \
	((__u32)(a) | (__u32)(b) << 8 | (__u32)(c) << 16 | (__u32)(d) << 24)
#define FMT_NV12	FOURCC('N', 'V', '1', '2')
#define FMT_XRGB8888	FOURCC('X', 'R', '2', '4')

/* The frame the producer sends, smaller than the buffers' 320x240. */
#define FRAME_W		160
#define FRAME_H		120

/* What the producer tells the consumer once a frame is in buffer 0. */
struct frame_msg {
	__u32 width;
	__u32 height;
};

static void die(const char *who, const char *what, int err)
{
	fprintf(stderr, "%s: %s: %s\n", who, what, strerror(-err));
	exit(1);
}

/* The byte at (x, y) of plane @p: a pattern both sides can compute. */
static __u8 pattern(unsigned int p, __u32 x, __u32 y)
{
	return (__u8)(x * 7 + y * 13 + p * 101);
}

/*
 * Bind @token, set one participant's constraints (@usage, @nr image
 * entries at @ic, one buffer held at a time) and wait for the buffers.
 * Returns the collection fd; fills @settings, @fds and @count.
 */
static int negotiate(const char *who, int dev, int token, __u64 usage,
		     const struct sysmem_image_constraints *ic,
		     unsigned int nr, struct sysmem_buffer_settings *settings,
		     int *fds, unsigned int *count)
{
	struct sysmem_buffer_constraints c = {
		.usage = usage,
		.min_buffer_count_for_camping = 1,
		.image_formats = (__u64)(uintptr_t)ic,
		.image_format_count = nr,
	};
	int coll, ret;

	coll = sysmem_bind(dev, token);
	if (coll < 0)
		die(who, "sysmem_bind", coll);
	close(token);
	ret = sysmem_set_debug_info(coll, who, getpid());
	if (ret < 0)
		die(who, "sysmem_set_debug_info", ret);
	ret = sysmem_set_constraints(coll, &c);
	if (ret < 0)
		die(who, "sysmem_set_constraints", ret);
	ret = sysmem_wait(coll, -1);
	if (ret == -EIO) {
		__u32 state, reason;

		if (!sysmem_check(coll, &state, &reason))
			fprintf(stderr, "%s: allocation failed: %s\n", who,
				sysmem_fail_str(reason));
		exit(1);
	}
	if (ret < 0)
		die(who, "sysmem_wait", ret);
	ret = sysmem_get_result(coll, settings, fds, SYSMEM_MAX_BUFFERS,
				NULL, count);
	if (ret < 0)
		die(who, "sysmem_get_result", ret);
	return coll;
}

/*
 * Leave the collection cleanly.  A collection fd closed without
 * sysmem_release() tells sysmem its participant died, and fails the
 * collection for everyone.
 */
static void leave(const char *who, int coll)
{
	int ret = sysmem_release(coll);

	if (ret < 0)
		die(who, "sysmem_release", ret);
	close(coll);
}

/* Begin (@end false) or end CPU access to a dma-buf. */
static void cpu_access(const char *who, int fd, __u64 rw, bool end)
{
	struct dma_buf_sync sync = {
		.flags = rw | (end ? DMA_BUF_SYNC_END : DMA_BUF_SYNC_START),
	};

	if (ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync) < 0)
		die(who, "DMA_BUF_IOCTL_SYNC", -errno);
}

/*
 * Write (@write true) or check the pattern in every plane of a
 * @width x @height frame of @img at @map.  Returns the number of
 * bytes that differ.
 */
static unsigned long frame_pattern(const char *who, __u8 *map,
				   const struct sysmem_image_format *img,
				   __u32 width, __u32 height, bool write)
{
	struct sysmem_format_info info;
	struct sysmem_image_format l;
	unsigned long bad = 0;
	unsigned int p;
	__u32 x, y;
	int ret;

	ret = sysmem_format_get_info(img->format, &info);
	if (ret < 0)
		die(who, "sysmem_format_get_info", ret);
	/* Plane offsets and pitches at this size, exactly as sysmem's. */
	ret = sysmem_image_layout(img, width, height, &l);
	if (ret < 0)
		die(who, "sysmem_image_layout", ret);
	for (p = 0; p < info.nr_planes; p++) {
		/* Plane 0: whole pixels; chroma planes: subsampled. */
		__u32 rows = p ? height / info.vsub : height;
		__u32 row_bytes = p ?
			width / info.hsub * info.bytes_per_sample[p] :
			width / info.block_width * info.bytes_per_sample[0];

		for (y = 0; y < rows; y++) {
			__u8 *row = map + l.planes[p].offset +
				    (__u64)y * l.planes[p].bytes_per_row;

			for (x = 0; x < row_bytes; x++) {
				if (write)
					row[x] = pattern(p, x, y);
				else if (row[x] != pattern(p, x, y))
					bad++;
			}
		}
	}
	return bad;
}

static int consumer(int dev, int sock)
{
	const char *who = "consumer";
	/* Two entries: a color space must suit every format of its entry. */
	struct sysmem_image_constraints ic[2] = {
		{
			.nr_formats = 1,
			.formats = { { .format = FMT_NV12,
				       .modifier = SYSMEM_MODIFIER_LINEAR } },
			.nr_color_spaces = 1,
			.color_spaces = { SYSMEM_COLOR_SPACE_REC709 },
			.min_size = { 16, 16 },
		},
		{
			.nr_formats = 1,
			.formats = { { .format = FMT_XRGB8888,
				       .modifier = SYSMEM_MODIFIER_LINEAR } },
			.nr_color_spaces = 1,
			.color_spaces = { SYSMEM_COLOR_SPACE_SRGB },
			.min_size = { 16, 16 },
		},
	};
	struct sysmem_buffer_settings s;
	int fds[SYSMEM_MAX_BUFFERS];
	unsigned int count, i;
	struct frame_msg msg;
	unsigned long bad;
	int token, coll;
	char answer;
	__u8 *map;

	token = sysmem_recv_token(sock);
	if (token < 0)
		die(who, "sysmem_recv_token", token);
	coll = negotiate(who, dev, token, SYSMEM_USAGE_CPU_READ, ic, 2, &s,
			 fds, &count);
	printf("%s: %u buffers of %llu bytes, %.4s %ux%u\n", who, count,
	       (unsigned long long)s.size_bytes,
	       (const char *)&s.image.format, s.image.size.width,
	       s.image.size.height);

	if (read(sock, &msg, sizeof(msg)) != sizeof(msg))
		die(who, "read frame", -EPROTO);
	/* A read-only participant maps its buffers read-only. */
	map = mmap(NULL, s.size_bytes, PROT_READ, MAP_SHARED, fds[0], 0);
	if (map == MAP_FAILED)
		die(who, "mmap", -errno);
	cpu_access(who, fds[0], DMA_BUF_SYNC_READ, false);
	bad = frame_pattern(who, map, &s.image, msg.width, msg.height, false);
	cpu_access(who, fds[0], DMA_BUF_SYNC_READ, true);
	printf("%s: frame %ux%u: %lu bytes differ\n", who, msg.width,
	       msg.height, bad);
	answer = bad ? 'n' : 'y';
	if (write(sock, &answer, 1) != 1)
		die(who, "write answer", -EPROTO);

	munmap(map, s.size_bytes);
	for (i = 0; i < count; i++)
		close(fds[i]);
	leave(who, coll);
	return bad ? 1 : 0;
}

static int producer(int dev, int token, int sock)
{
	const char *who = "producer";
	struct sysmem_image_constraints ic = {
		.flags = SYSMEM_IMAGE_HAS_REQUIRED_MAX_SIZE,
		.nr_formats = 1,
		.formats = {
			{ .format = FMT_NV12, .modifier = SYSMEM_MODIFIER_LINEAR },
		},
		.nr_color_spaces = 1,
		.color_spaces = { SYSMEM_COLOR_SPACE_REC709 },
		.min_size = { 16, 16 },
		.required_max_size = { 320, 240 },
	};
	struct frame_msg msg = { FRAME_W, FRAME_H };
	struct sysmem_buffer_settings s;
	int fds[SYSMEM_MAX_BUFFERS];
	unsigned int count, i;
	char answer = 0;
	__u8 *map;
	int coll;

	coll = negotiate(who, dev, token, SYSMEM_USAGE_CPU_WRITE, &ic, 1, &s,
			 fds, &count);
	printf("%s: %u buffers from heap %s, plane 1 at offset %llu\n", who,
	       count, s.heap, (unsigned long long)s.image.planes[1].offset);

	map = mmap(NULL, s.size_bytes, PROT_READ | PROT_WRITE, MAP_SHARED,
		   fds[0], 0);
	if (map == MAP_FAILED)
		die(who, "mmap", -errno);
	cpu_access(who, fds[0], DMA_BUF_SYNC_WRITE, false);
	frame_pattern(who, map, &s.image, msg.width, msg.height, true);
	cpu_access(who, fds[0], DMA_BUF_SYNC_WRITE, true);
	if (write(sock, &msg, sizeof(msg)) != sizeof(msg))
		die(who, "write frame", -EPROTO);
	if (read(sock, &answer, 1) != 1)
		die(who, "read answer", -EPROTO);

	munmap(map, s.size_bytes);
	for (i = 0; i < count; i++)
		close(fds[i]);
	leave(who, coll);
	return answer == 'y' ? 0 : 1;
}

int main(void)
{
	int dev, token, peer, ret, status, sv[2];
	pid_t pid;

	dev = sysmem_open();
	if (dev < 0)
		die("sysmem-example", "sysmem_open", dev);
	ret = sysmem_check_version(dev);
	if (ret < 0)
		die("sysmem-example", "sysmem_check_version", ret);

	/* The producer's token, and a read-only one for the consumer. */
	token = sysmem_alloc_token(dev);
	if (token < 0)
		die("producer", "sysmem_alloc_token", token);
	peer = sysmem_duplicate(token, SYSMEM_RIGHT_READ);
	if (peer < 0)
		die("producer", "sysmem_duplicate", peer);

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		die("sysmem-example", "socketpair", -errno);
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("sysmem-example", "fork", -errno);
	if (pid == 0) {
		/* The consumer gets only what comes through the socket. */
		close(sv[0]);
		close(token);
		close(peer);
		exit(consumer(dev, sv[1]));
	}
	close(sv[1]);
	ret = sysmem_send_token(sv[0], peer);
	if (ret < 0)
		die("producer", "sysmem_send_token", ret);
	close(peer);

	ret = producer(dev, token, sv[0]);
	if (waitpid(pid, &status, 0) != pid)
		die("sysmem-example", "waitpid", -errno);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		ret = 1;
	printf("sysmem-example: %s\n", ret ? "FAILED" : "ok");
	return ret;
}

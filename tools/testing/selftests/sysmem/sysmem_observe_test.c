// SPDX-License-Identifier: GPL-2.0
/*
 * sysmem observability: /proc/PID/fdinfo of every sysmem fd kind and
 * debugfs's sysmem/collections, checked against real situations: a
 * collection waiting for an unbound token, for a participant's
 * constraints, for a group's children; an allocated one with its
 * buffers and their holders; a failed one.  Also what
 * /sys/kernel/debug/dma_buf/bufinfo lists for one buffer (the heap's
 * dma-buf and sysmem's read-write and read-only exports), which
 * Documentation/sysmem/diagnostics.rst explains.
 *
 * Runs as root with sysmem.ko loaded (the VM runner's init); the debugfs
 * parts skip without debugfs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "libsysmem.h"
#include "sysmem_selftest.h"
#include "sysmem_test_camera.h"

#define CAMERA_KO		"/lib/sysmem/sysmem_test_camera.ko"
#define CAMERA_MOD		"sysmem_test_camera"
#define COLLECTIONS_PATH	DEBUGFS_PATH "/sysmem/collections"
#define BUFINFO_PATH		DEBUGFS_PATH "/dma_buf/bufinfo"

/* A name with a quote, a backslash and a newline, and how it shows. */
#define ODD_NAME	"cam\"era\\pipe\n1"
#define ODD_NAME_ESC	"cam\\042era\\134pipe\\0121"
#define DBG_NAME	"obs \"dbg\""
#define DBG_NAME_ESC	"obs \\042dbg\\042"

#define MAX_FIELDS	16
#define MAX_RECORDS	64

/* One parsed line of the collections file. */
struct record {
	char word[16];
	unsigned int nr;
	char key[MAX_FIELDS][16];
	char val[MAX_FIELDS][256];	/* strings without their quotes */
	int quoted[MAX_FIELDS];
};

/*
 * Split one line: a record word, then key=value fields separated by one
 * space; a value in double quotes ends at the next quote (the file
 * escapes every quote inside).  Returns 0 or -EINVAL.
 */
static int parse_record(const char *line, struct record *r)
{
	const char *p = line, *e;
	size_t n;

	memset(r, 0, sizeof(*r));
	e = strchr(p, ' ');
	if (!e || (size_t)(e - p) >= sizeof(r->word))
		return -EINVAL;
	memcpy(r->word, p, e - p);
	p = e;
	while (*p == ' ') {
		if (r->nr == MAX_FIELDS)
			return -EINVAL;
		p++;
		e = strchr(p, '=');
		if (!e || (size_t)(e - p) >= sizeof(r->key[0]))
			return -EINVAL;
		memcpy(r->key[r->nr], p, e - p);
		p = e + 1;
		if (*p == '"') {
			p++;
			e = strchr(p, '"');
			if (!e)
				return -EINVAL;
			r->quoted[r->nr] = 1;
		} else {
			e = p + strcspn(p, " ");
		}
		n = e - p;
		if (n >= sizeof(r->val[0]))
			return -EINVAL;
		memcpy(r->val[r->nr], p, n);
		p = e + (*e == '"');
		r->nr++;
	}
	return *p ? -EINVAL : 0;
}

static const char *field(const struct record *r, const char *key)
{
	unsigned int i;

	for (i = 0; i < r->nr; i++)
		if (!strcmp(r->key[i], key))
			return r->val[i];
	return NULL;
}

static unsigned long long num(const struct record *r, const char *key)
{
	const char *v = field(r, key);

	return v ? strtoull(v, NULL, 10) : ~0ULL;
}

/* Whether @r has exactly the fields @keys (space-separated), in order. */
static int has_keys(const struct record *r, const char *keys)
{
	char buf[256], *k, *save;
	unsigned int i = 0;

	snprintf(buf, sizeof(buf), "%s", keys);
	for (k = strtok_r(buf, " ", &save); k; k = strtok_r(NULL, " ", &save))
		if (i >= r->nr || strcmp(r->key[i++], k))
			return 0;
	return i == r->nr;
}

#define COLL_KEYS	"id name state reason age_ms nodes buffers size heap"
#define NODE_KEYS	"coll id parent kind state debug_name debug_id pid missing"
#define BUF_KEYS	"coll index heap size holders"

/* Read a whole file into a malloc()ed string.  NULL with errno set. */
static char *slurp(const char *path)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	ssize_t n;
	int fd;

	if (!buf)
		return NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		free(buf);
		return NULL;
	}
	for (;;) {
		if (len + 1 >= cap) {
			char *nb = realloc(buf, cap * 2);

			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n <= 0)
			break;
		len += n;
	}
	close(fd);
	buf[len] = '\0';
	return buf;
}

/*
 * The records of collection @id, in file order; the collection line
 * first.  Every line of the file must parse, and the collection's lines
 * must be contiguous.  Returns the number of records, 0 when the
 * collection is not listed, or -errno.
 */
static int coll_records(unsigned long long id, struct record *recs, int max)
{
	char *text = slurp(COLLECTIONS_PATH), *line, *save;
	struct record r;
	int n = 0, ret = 0, in = 0;

	if (!text)
		return -errno;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (parse_record(line, &r)) {
			ret = -EINVAL;
			break;
		}
		if (!strcmp(r.word, "collection"))
			in = num(&r, "id") == id;
		else if (num(&r, "coll") != id)
			continue;
		if (!in) {
			/* A node or buffer of @id outside its block. */
			if (num(&r, "coll") == id)
				ret = -EINVAL;
			continue;
		}
		if (n == max) {
			ret = -E2BIG;
			break;
		}
		recs[n++] = r;
	}
	free(text);
	return ret ? ret : n;
}

/*
 * Wait up to SETTLE_MS for collection @id to leave the collections file:
 * a collection that let go of its buffers lives until the work item
 * that saw their end has run.  Returns 0, or its record count.
 */
static int coll_gone(unsigned long long id, struct record *recs)
{
	unsigned int waited;
	int n;

	for (waited = 0;; waited += SETTLE_POLL_MS) {
		n = coll_records(id, recs, MAX_RECORDS);
		if (!n || waited >= SETTLE_MS)
			return n;
		usleep(SETTLE_POLL_MS * 1000);
	}
}

/* The value of fdinfo key @key of @fd, NUL-terminated. */
static int fdinfo(int fd, const char *key, char *val, size_t len)
{
	char path[64], *text, *p;
	size_t klen = strlen(key), n;
	int ret = -ENOENT;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	text = slurp(path);
	if (!text)
		return -errno;
	for (p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, key, klen) || p[klen] != ':' || p[klen + 1] != '\t')
			continue;
		p += klen + 2;
		n = strcspn(p, "\n");
		if (n >= len) {
			ret = -E2BIG;
			break;
		}
		memcpy(val, p, n);
		val[n] = '\0';
		ret = 0;
		break;
	}
	free(text);
	return ret;
}

/* Whether @fd's fdinfo has any line starting with "sysmem-". */
static int has_sysmem_keys(int fd)
{
	char path[64], *text;
	int ret;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	text = slurp(path);
	if (!text)
		return -errno;
	ret = !strncmp(text, "sysmem-", 7) || strstr(text, "\nsysmem-");
	free(text);
	return ret;
}

#define EXPECT_FDINFO(fd, key, want) do { \
	char __v[512] = ""; \
	ASSERT_EQ(0, fdinfo((fd), (key), __v, sizeof(__v))) \
		TH_LOG("fd %d has no %s", (fd), (key)); \
	EXPECT_STREQ((want), __v) TH_LOG("fdinfo %s", (key)); \
} while (0)

#define EXPECT_FDINFO_NUM(fd, key, want) do { \
	char __w[32]; \
	snprintf(__w, sizeof(__w), "%llu", (unsigned long long)(want)); \
	EXPECT_FDINFO((fd), (key), __w); \
} while (0)

#define EXPECT_FIELD(r, key, want) \
	EXPECT_STREQ((want), field((r), (key)) ?: "(none)") \
		TH_LOG("%s %s", (r)->word, (key))

#define EXPECT_NUM(r, key, want) \
	EXPECT_EQ((unsigned long long)(want), num((r), (key))) \
		TH_LOG("%s %s", (r)->word, (key))

static int set_cons(int coll, __u64 usage, __u32 camping, __u64 min_size)
{
	struct sysmem_buffer_constraints c;

	cons_init(&c, usage, camping, min_size);
	return sysmem_set_constraints(coll, &c);
}

static unsigned long long coll_id(int fd)
{
	__u64 id = 0;

	if (sysmem_get_collection_id(fd, &id))
		return 0;
	return id;
}

FIXTURE(observe) {
	int dev;
	struct record recs[MAX_RECORDS];
};

FIXTURE_SETUP(observe)
{
	self->dev = sysmem_open();
	ASSERT_LE(0, self->dev);
	ASSERT_EQ(0, sysmem_set_debug_info(self->dev, "obs-dev", 77));
}

FIXTURE_TEARDOWN(observe)
{
	close(self->dev);
}

/* The allocator fd: its own kind and the debug info nodes get. */
TEST_F(observe, device_fdinfo)
{
	EXPECT_FDINFO(self->dev, "sysmem-kind", "device");
	EXPECT_FDINFO(self->dev, "sysmem-debug-name", "obs-dev");
	EXPECT_FDINFO(self->dev, "sysmem-debug-id", "77");
	ASSERT_EQ(0, sysmem_set_debug_info(self->dev, DBG_NAME, 5));
	EXPECT_FDINFO(self->dev, "sysmem-debug-name", DBG_NAME_ESC);
	EXPECT_FDINFO(self->dev, "sysmem-debug-id", "5");
}

/*
 * Pending for an unbound token: a bound participant with constraints and
 * an odd collection name, and a duplicate nobody bound.  Node ids count
 * from 1 in creation order; the collection node keeps its token's id.
 */
TEST_F(observe, pending_unbound_token)
{
	int t, d, c, ref, ntrack, n;
	unsigned long long id;
	struct record *r = self->recs;

	t = sysmem_alloc_token(self->dev);
	ASSERT_LE(0, t);
	d = sysmem_duplicate(t, SYSMEM_RIGHT_READ);
	ASSERT_LE(0, d);
	c = sysmem_bind(self->dev, t);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, sysmem_set_debug_info(c, DBG_NAME, 412));
	ASSERT_EQ(0, sysmem_set_name(c, 10, ODD_NAME));
	ASSERT_EQ(0, set_cons(c, USAGE_RW, 1, page_size()));
	ref = sysmem_get_node_ref(d);
	ASSERT_LE(0, ref);
	ntrack = sysmem_attach_node_tracking(d);
	ASSERT_LE(0, ntrack);
	id = coll_id(c);
	ASSERT_NE(0, id);
	EXPECT_EQ(-ETIMEDOUT, sysmem_wait(c, 0));

	EXPECT_FDINFO(c, "sysmem-kind", "collection");
	EXPECT_FDINFO_NUM(c, "sysmem-collection-id", id);
	EXPECT_FDINFO(c, "sysmem-node-id", "1");
	EXPECT_FDINFO(c, "sysmem-node-state", "bound");
	EXPECT_FDINFO(c, "sysmem-state", "pending");
	EXPECT_FDINFO(c, "sysmem-reason", "none");
	EXPECT_FDINFO(c, "sysmem-missing", "none");
	EXPECT_FDINFO(c, "sysmem-name", ODD_NAME_ESC);
	EXPECT_FDINFO(c, "sysmem-debug-name", DBG_NAME_ESC);
	EXPECT_FDINFO(c, "sysmem-debug-id", "412");
	EXPECT_FDINFO_NUM(c, "sysmem-pid", getpid());
	EXPECT_FDINFO(c, "sysmem-rights", "read,write");
	EXPECT_FDINFO(c, "sysmem-weak", "0");
	EXPECT_FDINFO(c, "sysmem-constraints", "1");
	EXPECT_FDINFO(c, "sysmem-buffers", "0");
	EXPECT_FDINFO(c, "sysmem-buffer-size", "0");
	EXPECT_FDINFO(c, "sysmem-heap", "");

	EXPECT_FDINFO(d, "sysmem-kind", "token");
	EXPECT_FDINFO_NUM(d, "sysmem-collection-id", id);
	EXPECT_FDINFO(d, "sysmem-node-id", "2");
	EXPECT_FDINFO(d, "sysmem-node-state", "unbound");
	EXPECT_FDINFO(d, "sysmem-state", "pending");
	EXPECT_FDINFO(d, "sysmem-missing", "unbound_token");
	EXPECT_FDINFO(d, "sysmem-name", ODD_NAME_ESC);
	EXPECT_FDINFO(d, "sysmem-debug-name", "obs-dev");
	EXPECT_FDINFO(d, "sysmem-debug-id", "77");
	EXPECT_FDINFO(d, "sysmem-rights", "read");
	EXPECT_EQ(-ENOENT, fdinfo(d, "sysmem-buffers", (char[8]){}, 8));

	/* The bound token's fd: consumed, its id now the collection's. */
	EXPECT_FDINFO(t, "sysmem-kind", "token");
	EXPECT_FDINFO(t, "sysmem-node-id", "1");
	EXPECT_FDINFO(t, "sysmem-node-state", "consumed");
	EXPECT_FDINFO(t, "sysmem-missing", "none");

	EXPECT_FDINFO(ref, "sysmem-kind", "node-ref");
	EXPECT_FDINFO_NUM(ref, "sysmem-collection-id", id);
	EXPECT_FDINFO(ref, "sysmem-node-id", "2");

	EXPECT_FDINFO(ntrack, "sysmem-kind", "tracking");
	EXPECT_FDINFO(ntrack, "sysmem-tracking", "node-tracking");
	EXPECT_FDINFO_NUM(ntrack, "sysmem-collection-id", id);
	EXPECT_FDINFO(ntrack, "sysmem-count", "1");
	EXPECT_FDINFO(ntrack, "sysmem-threshold", "0");
	EXPECT_FDINFO(ntrack, "sysmem-settled", "1");
	EXPECT_FDINFO(ntrack, "sysmem-ready", "0");

	if (!have_debugfs())
		goto out;
	n = coll_records(id, r, MAX_RECORDS);
	ASSERT_EQ(3, n);
	EXPECT_STREQ("collection", r[0].word);
	EXPECT_TRUE(has_keys(&r[0], COLL_KEYS));
	EXPECT_FIELD(&r[0], "name", ODD_NAME_ESC);
	EXPECT_FIELD(&r[0], "state", "pending");
	EXPECT_FIELD(&r[0], "reason", "none");
	EXPECT_NE(~0ULL, num(&r[0], "age_ms"));
	EXPECT_NUM(&r[0], "nodes", 2);
	EXPECT_NUM(&r[0], "buffers", 0);
	EXPECT_NUM(&r[0], "size", 0);
	EXPECT_FIELD(&r[0], "heap", "");

	EXPECT_STREQ("node", r[1].word);
	EXPECT_TRUE(has_keys(&r[1], NODE_KEYS));
	EXPECT_NUM(&r[1], "coll", id);
	EXPECT_NUM(&r[1], "id", 1);
	EXPECT_NUM(&r[1], "parent", 0);
	EXPECT_FIELD(&r[1], "kind", "collection");
	EXPECT_FIELD(&r[1], "state", "bound");
	EXPECT_FIELD(&r[1], "debug_name", DBG_NAME_ESC);
	EXPECT_NUM(&r[1], "debug_id", 412);
	EXPECT_NUM(&r[1], "pid", getpid());
	EXPECT_FIELD(&r[1], "missing", "none");

	EXPECT_STREQ("node", r[2].word);
	EXPECT_TRUE(has_keys(&r[2], NODE_KEYS));
	EXPECT_NUM(&r[2], "id", 2);
	EXPECT_NUM(&r[2], "parent", 1);
	EXPECT_FIELD(&r[2], "kind", "token");
	EXPECT_FIELD(&r[2], "state", "unbound");
	EXPECT_FIELD(&r[2], "debug_name", "obs-dev");
	EXPECT_NUM(&r[2], "debug_id", 77);
	EXPECT_NUM(&r[2], "pid", getpid());
	EXPECT_FIELD(&r[2], "missing", "unbound_token");
out:
	close(ntrack);
	close(ref);
	sysmem_release(d);
	close(d);
	close(t);
	leave(c);
	/*
	 * Gone from the file with its last fd.  (Released before c, d
	 * let c's collection allocate; c's leaving then let go of the
	 * buffer, whose end a work item reports, holding the collection
	 * a moment longer.)
	 */
	if (have_debugfs())
		EXPECT_EQ(0, coll_gone(id, r));
}

/* Pending for a bound participant that has not set constraints. */
TEST_F(observe, pending_no_constraints)
{
	int t, d, a, b, n;
	unsigned long long id;
	struct record *r = self->recs;

	t = sysmem_alloc_token(self->dev);
	ASSERT_LE(0, t);
	d = sysmem_duplicate(t, SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, d);
	a = sysmem_bind(self->dev, t);
	ASSERT_LE(0, a);
	b = sysmem_bind(self->dev, d);
	ASSERT_LE(0, b);
	close(t);
	close(d);
	ASSERT_EQ(0, set_cons(a, USAGE_RW, 1, page_size()));
	id = coll_id(a);
	EXPECT_EQ(-ETIMEDOUT, sysmem_wait(a, 0));

	EXPECT_FDINFO(a, "sysmem-missing", "none");
	EXPECT_FDINFO(a, "sysmem-constraints", "1");
	EXPECT_FDINFO(b, "sysmem-kind", "collection");
	EXPECT_FDINFO(b, "sysmem-node-id", "2");
	EXPECT_FDINFO(b, "sysmem-node-state", "bound");
	EXPECT_FDINFO(b, "sysmem-missing", "no_constraints");
	EXPECT_FDINFO(b, "sysmem-constraints", "0");
	EXPECT_FDINFO(b, "sysmem-name", "");

	if (have_debugfs()) {
		n = coll_records(id, r, MAX_RECORDS);
		ASSERT_EQ(3, n);
		EXPECT_FIELD(&r[0], "name", "");
		EXPECT_NUM(&r[0], "nodes", 2);
		EXPECT_NUM(&r[1], "id", 1);
		EXPECT_FIELD(&r[1], "missing", "none");
		EXPECT_NUM(&r[2], "id", 2);
		EXPECT_NUM(&r[2], "parent", 1);
		EXPECT_FIELD(&r[2], "kind", "collection");
		EXPECT_FIELD(&r[2], "state", "bound");
		EXPECT_FIELD(&r[2], "missing", "no_constraints");
	}

	/* Constraints set: it allocates, and nothing is missing. */
	ASSERT_EQ(0, set_cons(b, SYSMEM_USAGE_CPU_READ, 1, page_size()));
	ASSERT_EQ(0, sysmem_wait(a, WAIT_NS));
	EXPECT_FDINFO(b, "sysmem-missing", "none");
	EXPECT_FDINFO(b, "sysmem-state", "allocated");
	leave(a);
	leave(b);
}

/*
 * Pending for a group that has not declared all its children present:
 * collection 1, its group 2, the group's child 3 (bound as well).
 */
TEST_F(observe, pending_group_children)
{
	int t, g, ch, c, cc, n;
	unsigned long long id;
	struct record *r = self->recs;

	t = sysmem_alloc_token(self->dev);
	ASSERT_LE(0, t);
	g = sysmem_create_group(t);
	ASSERT_LE(0, g);
	ch = sysmem_group_create_child(g, SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, ch);
	c = sysmem_bind(self->dev, t);
	ASSERT_LE(0, c);
	cc = sysmem_bind(self->dev, ch);
	ASSERT_LE(0, cc);
	close(t);
	close(ch);
	ASSERT_EQ(0, set_cons(c, USAGE_RW, 1, page_size()));
	ASSERT_EQ(0, set_cons(cc, USAGE_RW, 1, page_size()));
	id = coll_id(c);
	EXPECT_EQ(-ETIMEDOUT, sysmem_wait(c, 0));

	EXPECT_FDINFO(g, "sysmem-kind", "group");
	EXPECT_FDINFO(g, "sysmem-node-id", "2");
	EXPECT_FDINFO(g, "sysmem-node-state", "bound");
	EXPECT_FDINFO(g, "sysmem-state", "pending");
	EXPECT_FDINFO(g, "sysmem-missing", "group_children");
	EXPECT_EQ(-ENOENT, fdinfo(g, "sysmem-buffers", (char[8]){}, 8));
	EXPECT_FDINFO(cc, "sysmem-node-id", "3");
	EXPECT_FDINFO(cc, "sysmem-missing", "none");

	if (have_debugfs()) {
		n = coll_records(id, r, MAX_RECORDS);
		ASSERT_EQ(4, n);
		EXPECT_NUM(&r[0], "nodes", 3);
		EXPECT_NUM(&r[1], "id", 1);
		EXPECT_NUM(&r[1], "parent", 0);
		EXPECT_FIELD(&r[1], "kind", "collection");
		EXPECT_FIELD(&r[1], "missing", "none");
		EXPECT_NUM(&r[2], "id", 2);
		EXPECT_NUM(&r[2], "parent", 1);
		EXPECT_FIELD(&r[2], "kind", "group");
		EXPECT_FIELD(&r[2], "state", "bound");
		EXPECT_FIELD(&r[2], "missing", "group_children");
		EXPECT_NUM(&r[3], "id", 3);
		EXPECT_NUM(&r[3], "parent", 2);
		EXPECT_FIELD(&r[3], "kind", "collection");
		EXPECT_FIELD(&r[3], "missing", "none");
	}

	ASSERT_EQ(0, sysmem_group_all_children_present(g));
	ASSERT_EQ(0, sysmem_wait(c, WAIT_NS));
	EXPECT_FDINFO(g, "sysmem-missing", "none");
	EXPECT_FDINFO(g, "sysmem-state", "allocated");
	leave(g);
	leave(cc);
	leave(c);
}

/* Lines of bufinfo for dma-bufs of @size bytes exported by @exp_name. */
static int bufinfo_count(size_t size, const char *exp_name)
{
	char *text = slurp(BUFINFO_PATH), *line, *save;
	char exp[64];
	unsigned long long sz;
	unsigned int flags, mode;
	long count;
	int n = 0;

	if (!text)
		return -errno;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "%llu %x %x %ld %63s", &sz, &flags, &mode,
			   &count, exp) != 5)
			continue;
		if (sz == size && !strcmp(exp, exp_name))
			n++;
	}
	free(text);
	return n;
}

/* Wait up to WAIT_NS for @fd to poll readable: 0 or -ETIMEDOUT. */
static int wait_readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, WAIT_NS / MSEC_NS) == 1 ? 0 : -ETIMEDOUT;
}

#define NBUF	3

/*
 * Allocated: a writer camping 2 and a read-only reader camping 1 give
 * NBUF buffers of an odd page count.  Holders, and the dma-bufs that
 * bufinfo lists for them, grow as each participant gets its result:
 * sysmem's read-write export, then its read-only one.  A built-in heap
 * makes no dma-buf of its own, so there is none before.
 */
TEST_F(observe, allocated)
{
	struct sysmem_buffer_settings s;
	int t, d, w, rd, life, fds[NBUF], rfds[NBUF], n, i;
	size_t size = 13 * page_size();
	unsigned int count;
	unsigned long long id;
	struct record *r = self->recs;
	int dbg = have_debugfs();
	char heap_exp[80] = "";

	t = sysmem_alloc_token(self->dev);
	ASSERT_LE(0, t);
	d = sysmem_duplicate(t, SYSMEM_RIGHT_READ);
	ASSERT_LE(0, d);
	w = sysmem_bind(self->dev, t);
	ASSERT_LE(0, w);
	rd = sysmem_bind(self->dev, d);
	ASSERT_LE(0, rd);
	close(t);
	close(d);
	life = sysmem_attach_lifetime_tracking(w, 0);
	ASSERT_LE(0, life);
	ASSERT_EQ(0, set_cons(w, USAGE_RW, 2, size));
	ASSERT_EQ(0, set_cons(rd, SYSMEM_USAGE_CPU_READ, 1, size));
	ASSERT_EQ(0, sysmem_wait(w, WAIT_NS));
	id = coll_id(w);

	EXPECT_FDINFO(w, "sysmem-state", "allocated");
	EXPECT_FDINFO(w, "sysmem-reason", "none");
	EXPECT_FDINFO_NUM(w, "sysmem-buffers", NBUF);
	EXPECT_FDINFO_NUM(w, "sysmem-buffer-size", size);
	EXPECT_FDINFO(rd, "sysmem-rights", "read");
	EXPECT_FDINFO(life, "sysmem-kind", "tracking");
	EXPECT_FDINFO(life, "sysmem-tracking", "lifetime");
	EXPECT_FDINFO_NUM(life, "sysmem-collection-id", id);
	EXPECT_FDINFO_NUM(life, "sysmem-count", NBUF);
	EXPECT_FDINFO(life, "sysmem-settled", "1");
	EXPECT_FDINFO(life, "sysmem-ready", "0");

	if (dbg) {
		n = coll_records(id, r, MAX_RECORDS);
		ASSERT_EQ(1 + 2 + NBUF, n);
		EXPECT_FIELD(&r[0], "state", "allocated");
		EXPECT_NUM(&r[0], "nodes", 2);
		EXPECT_NUM(&r[0], "buffers", NBUF);
		EXPECT_NUM(&r[0], "size", size);
		EXPECT_FIELD(&r[1], "missing", "none");
		EXPECT_FIELD(&r[2], "missing", "none");
		for (i = 0; i < NBUF; i++) {
			EXPECT_STREQ("buffer", r[3 + i].word);
			EXPECT_TRUE(has_keys(&r[3 + i], BUF_KEYS));
			EXPECT_NUM(&r[3 + i], "coll", id);
			EXPECT_NUM(&r[3 + i], "index", i);
			EXPECT_FIELD(&r[3 + i], "heap", field(&r[0], "heap"));
			EXPECT_NUM(&r[3 + i], "size", size);
			/* The collection's own hold only. */
			EXPECT_NUM(&r[3 + i], "holders", 1);
		}
		/*
		 * The built-in heaps' dma-bufs were named "sysmem-" and the
		 * heap's name: there are none any more.
		 */
		snprintf(heap_exp, sizeof(heap_exp), "sysmem-%s",
			 field(&r[0], "heap") ?: "");
		EXPECT_EQ(0, bufinfo_count(size, heap_exp));
		EXPECT_EQ(0, bufinfo_count(size, "sysmem"));
	}

	ASSERT_EQ(0, sysmem_get_result(w, &s, fds, NBUF, &count, NULL));
	ASSERT_EQ(NBUF, count);
	EXPECT_EQ(size, s.size_bytes);
	EXPECT_FDINFO(w, "sysmem-heap", s.heap);
	/* A dma-buf keeps the dma-buf core's fdinfo, no sysmem keys. */
	EXPECT_FDINFO(fds[0], "exp_name", "sysmem");
	EXPECT_EQ(0, has_sysmem_keys(fds[0]));
	if (dbg) {
		n = coll_records(id, r, MAX_RECORDS);
		ASSERT_EQ(1 + 2 + NBUF, n);
		EXPECT_FIELD(&r[0], "heap", s.heap);
		for (i = 0; i < NBUF; i++)
			EXPECT_NUM(&r[3 + i], "holders", 2);
		EXPECT_EQ(0, bufinfo_count(size, heap_exp));
		EXPECT_EQ(NBUF, bufinfo_count(size, "sysmem"));
	}

	ASSERT_EQ(0, sysmem_get_result(rd, NULL, rfds, NBUF, &count, NULL));
	ASSERT_EQ(NBUF, count);
	EXPECT_EQ(O_RDONLY, fcntl(rfds[0], F_GETFL) & O_ACCMODE);
	if (dbg) {
		n = coll_records(id, r, MAX_RECORDS);
		ASSERT_EQ(1 + 2 + NBUF, n);
		for (i = 0; i < NBUF; i++)
			EXPECT_NUM(&r[3 + i], "holders", 3);
		/* Two dma-bufs per buffer: what bufinfo's total sums. */
		EXPECT_EQ(0, bufinfo_count(size, heap_exp));
		EXPECT_EQ(2 * NBUF, bufinfo_count(size, "sysmem"));
	}

	/* The nodes leave: the dma-bufs handed out keep the buffers. */
	leave(w);
	leave(rd);
	EXPECT_FDINFO(life, "sysmem-ready", "0");
	if (dbg)
		EXPECT_EQ(0, coll_gone(id, r));
	close_fds(fds, NBUF);
	close_fds(rfds, NBUF);
	ASSERT_EQ(0, wait_readable(life));
	EXPECT_FDINFO(life, "sysmem-count", "0");
	EXPECT_FDINFO(life, "sysmem-ready", "1");
	close(life);
	if (dbg) {
		EXPECT_EQ(0, bufinfo_count(size, heap_exp));
		EXPECT_EQ(0, bufinfo_count(size, "sysmem"));
	}
}

/*
 * Failed: nobody asks for any usage, so the negotiation fails; both
 * nodes see it, and so does debugfs.
 */
TEST_F(observe, failed_constraints)
{
	int t, d, a, b, n;
	unsigned long long id;
	struct record *r = self->recs;

	t = sysmem_alloc_token(self->dev);
	ASSERT_LE(0, t);
	d = sysmem_duplicate(t, SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, d);
	a = sysmem_bind(self->dev, t);
	ASSERT_LE(0, a);
	b = sysmem_bind(self->dev, d);
	ASSERT_LE(0, b);
	close(t);
	close(d);
	ASSERT_EQ(0, set_cons(a, SYSMEM_USAGE_NONE, 1, page_size()));
	ASSERT_EQ(0, set_cons(b, SYSMEM_USAGE_NONE, 1, page_size()));
	EXPECT_EQ(-EIO, sysmem_wait(a, WAIT_NS));
	CHECK_STATE(a, SYSMEM_STATE_FAILED, SYSMEM_FAIL_CONSTRAINTS);
	id = coll_id(a);

	EXPECT_FDINFO(a, "sysmem-node-state", "failed");
	EXPECT_FDINFO(a, "sysmem-state", "failed");
	EXPECT_FDINFO(a, "sysmem-reason", "constraints");
	EXPECT_FDINFO(a, "sysmem-missing", "none");
	EXPECT_FDINFO(a, "sysmem-buffers", "0");
	EXPECT_FDINFO(b, "sysmem-reason", "constraints");

	if (have_debugfs()) {
		n = coll_records(id, r, MAX_RECORDS);
		ASSERT_EQ(3, n);
		EXPECT_FIELD(&r[0], "state", "failed");
		EXPECT_FIELD(&r[0], "reason", "constraints");
		EXPECT_NUM(&r[0], "buffers", 0);
		EXPECT_NUM(&r[0], "size", 0);
		EXPECT_FIELD(&r[1], "state", "failed");
		EXPECT_FIELD(&r[2], "state", "failed");
		EXPECT_FIELD(&r[2], "missing", "none");
	}
	leave(a);
	leave(b);
}

/* A participant closed without release fails the collection it leaves. */
TEST_F(observe, failed_participant_lost)
{
	int t, d, c, n;
	unsigned long long id;
	struct record *r = self->recs;

	t = sysmem_alloc_token(self->dev);
	ASSERT_LE(0, t);
	d = sysmem_duplicate(t, SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, d);
	c = sysmem_bind(self->dev, t);
	ASSERT_LE(0, c);
	close(t);
	id = coll_id(c);
	close(d);
	CHECK_STATE(c, SYSMEM_STATE_FAILED, SYSMEM_FAIL_PARTICIPANT_LOST);
	EXPECT_FDINFO(c, "sysmem-state", "failed");
	EXPECT_FDINFO(c, "sysmem-reason", "participant_lost");
	if (have_debugfs()) {
		/* The closed token had nothing left to keep it. */
		n = coll_records(id, r, MAX_RECORDS);
		ASSERT_EQ(2, n);
		EXPECT_FIELD(&r[0], "state", "failed");
		EXPECT_FIELD(&r[0], "reason", "participant_lost");
		EXPECT_NUM(&r[0], "nodes", 1);
		EXPECT_NUM(&r[1], "id", 1);
		EXPECT_FIELD(&r[1], "state", "failed");
	}
	leave(c);
}

/*
 * A kernel participant (the test camera, sysmem_test_camera.ko) takes a
 * duplicate: its node shows as a knode with no pid, its debug info, and
 * nothing missing once it set its constraints; the duplicate's fd is
 * consumed.  The collection waits for its unbound root token.
 */
TEST_F(observe, kernel_participant)
{
	struct camera_bind b = { .width = 64, .height = 32 };
	struct camera_status cs;
	int t, d, cam, n, ret;
	unsigned long long id;
	char want[32];
	struct record *r = self->recs;

	if (!have_debugfs())
		SKIP(return, "no debugfs");
	ret = sysmem_module_load(CAMERA_KO, "");
	if (ret == -ENOENT)
		SKIP(return, "%s is not in this guest", CAMERA_KO);
	ASSERT_TRUE(!ret || ret == -EEXIST);
	cam = open(CAMERA_DEV_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, cam);
	t = sysmem_alloc_token(self->dev);
	ASSERT_LE(0, t);
	d = sysmem_duplicate(t, SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, d);
	id = coll_id(t);
	b.token_fd = d;
	ASSERT_EQ(0, ioctl(cam, CAMERA_IOC_BIND_TOKEN, &b));
	ASSERT_EQ(0, ioctl(cam, CAMERA_IOC_STATUS, &cs));
	EXPECT_EQ(id, cs.collection_id);
	EXPECT_FDINFO(d, "sysmem-node-state", "consumed");
	EXPECT_FDINFO(t, "sysmem-missing", "unbound_token");

	n = coll_records(id, r, MAX_RECORDS);
	ASSERT_EQ(3, n);
	EXPECT_FIELD(&r[0], "state", "pending");
	EXPECT_NUM(&r[0], "nodes", 2);
	EXPECT_NUM(&r[1], "id", 1);
	EXPECT_FIELD(&r[1], "kind", "token");
	EXPECT_FIELD(&r[1], "state", "unbound");
	EXPECT_FIELD(&r[1], "missing", "unbound_token");
	EXPECT_NUM(&r[1], "pid", getpid());
	/* The duplicate's id, kept through the kernel's take-over and bind. */
	EXPECT_NUM(&r[2], "id", 2);
	EXPECT_NUM(&r[2], "parent", 1);
	EXPECT_FIELD(&r[2], "kind", "knode");
	EXPECT_FIELD(&r[2], "state", "bound");
	EXPECT_FIELD(&r[2], "debug_name", CAMERA_DBG_NAME);
	snprintf(want, sizeof(want), "%llu", (unsigned long long)cs.debug_id);
	EXPECT_FIELD(&r[2], "debug_id", want);
	EXPECT_NUM(&r[2], "pid", 0);
	EXPECT_FIELD(&r[2], "missing", "none");

	/* The camera leaves cleanly; the root token goes with it. */
	ASSERT_EQ(0, ioctl(cam, CAMERA_IOC_RELEASE));
	close(cam);
	close(d);
	sysmem_release(t);
	close(t);
	EXPECT_EQ(0, coll_gone(id, r));
	/* Best effort: the guest's init unloads it otherwise. */
	sysmem_module_unload(CAMERA_MOD);
}

struct reader {
	volatile int stop;
	int bad_lines;
	int reads;
};

/* Every line of the collections file parses; 0 or the first bad one. */
static int collections_parse(void)
{
	char *text = slurp(COLLECTIONS_PATH), *line, *save;
	struct record r;
	int bad = 0;

	if (!text)
		return 1;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		if (parse_record(line, &r))
			bad++;
	free(text);
	return bad;
}

/* Read every fd's fdinfo and the collections file, again and again. */
static void *reader_main(void *arg)
{
	struct reader *rd = arg;
	char path[64], *text;
	int fd;

	while (!rd->stop) {
		for (fd = 0; fd < 64; fd++) {
			snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
			text = slurp(path);
			free(text);
		}
		if (have_debugfs())
			rd->bad_lines += collections_parse();
		rd->reads++;
	}
	return NULL;
}

/*
 * Readers of fdinfo and of the collections file while collections are
 * made, negotiated, allocated, failed and torn down: every record read
 * parses, and (on the debug kernels) lockdep sees no ordering problem.
 */
TEST_F(observe, concurrent_readers)
{
	struct reader rd = { 0 };
	int i, t, d, a, b, fds[4];
	unsigned int count;
	pthread_t th;

	ASSERT_EQ(0, pthread_create(&th, NULL, reader_main, &rd));
	for (i = 0; i < 200; i++) {
		t = sysmem_alloc_token(self->dev);
		ASSERT_LE(0, t);
		d = sysmem_duplicate(t, SYSMEM_RIGHT_READ);
		ASSERT_LE(0, d);
		a = sysmem_bind(self->dev, t);
		ASSERT_LE(0, a);
		close(t);
		ASSERT_EQ(0, sysmem_set_name(a, 1, ODD_NAME));
		ASSERT_EQ(0, set_cons(a, USAGE_RW, 1, page_size()));
		if (i % 3 == 0) {
			/* Fails: the unbound token is closed. */
			close(d);
			leave(a);
			continue;
		}
		b = sysmem_bind(self->dev, d);
		ASSERT_LE(0, b);
		close(d);
		ASSERT_EQ(0, set_cons(b, SYSMEM_USAGE_CPU_READ, 1, page_size()));
		ASSERT_EQ(0, sysmem_wait(a, WAIT_NS));
		ASSERT_EQ(0, sysmem_get_result(a, NULL, fds, 2, &count, NULL));
		ASSERT_EQ(0, sysmem_get_result(b, NULL, fds + 2, 2, &count,
					       NULL));
		leave(a);
		close_fds(fds, 4);
		leave(b);
	}
	rd.stop = 1;
	ASSERT_EQ(0, pthread_join(th, NULL));
	EXPECT_EQ(0, rd.bad_lines);
	EXPECT_LT(0, rd.reads);
}

/* The collections file is root's alone. */
TEST(collections_root_only)
{
	struct stat st;
	int status;
	pid_t pid;

	if (!have_debugfs())
		SKIP(return, "no debugfs");
	if (geteuid() != 0)
		SKIP(return, "needs root to drop privileges");
	ASSERT_EQ(0, stat(COLLECTIONS_PATH, &st));
	EXPECT_EQ(0400, st.st_mode & 07777);
	EXPECT_EQ(0, st.st_uid);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		int fd;

		if (setgid(65534) || setuid(65534))
			_exit(10);
		fd = open(COLLECTIONS_PATH, O_RDONLY | O_CLOEXEC);
		if (fd >= 0)
			_exit(11);
		_exit(errno == EACCES ? 0 : 12);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN

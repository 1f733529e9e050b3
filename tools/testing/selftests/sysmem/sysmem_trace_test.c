// SPDX-License-Identifier: GPL-2.0
/*
 * sysmem observability: the tracepoints of trace system "sysmem" and
 * the stall log line (SYSMEM_IOC_NODE_SET_DEBUG_TIMEOUT_LOG_DEADLINE and
 * the stall_log_seconds module parameter).
 *
 * "events" enables every sysmem event in a trace instance of its own
 * (tracefs, mounted at /sys/kernel/tracing if it is not yet), runs a
 * two-participant negotiation, a duplicate, a failed negotiation and the
 * frees, and checks each event with its ids, sizes and reason, in order.
 * The stall tests read /dev/kmsg from its end: a collection still pending
 * at its deadline logs exactly one line naming each participant it waits
 * for; one that allocated before its deadline logs none.
 *
 * Also built with -m32 (make userspace-m32): the deadline ioctl then
 * goes through compat_ptr_ioctl.  Runs as root (the VM runner's init).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "libsysmem.h"
#include "sysmem_selftest.h"

#define TRACEFS		"/sys/kernel/tracing"
#define INSTANCE	TRACEFS "/instances/sysmem_trace_test"
#define PARAM		"/sys/module/sysmem/parameters/stall_log_seconds"
/* How long a stall line may take to show up: the deadline plus slack. */
#define LINE_WAIT_MS	10000
/* After the first line, how long a second one gets to show up. */
#define QUIET_MS	600

static __s64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__s64)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* ---- trace events ---- */

#define MAX_EVENTS	256

struct event {
	char name[40];
	char args[400];
};

/* Where the value of "key=" starts in @e's arguments, or NULL. */
static const char *ev_val(const struct event *e, const char *key)
{
	size_t kl = strlen(key);
	const char *p = e->args;

	while ((p = strstr(p, key))) {
		if ((p == e->args || p[-1] == ' ') && p[kl] == '=')
			return p + kl + 1;
		p += kl;
	}
	return NULL;
}

/* The value of "key=" as a number; -1 when absent. */
static long long ev_num(const struct event *e, const char *key)
{
	const char *p = ev_val(e, key);

	return p ? strtoll(p, NULL, 0) : -1;
}

/* The value of "key=" as a word, into @out. */
static int ev_word(const struct event *e, const char *key, char *out,
		   size_t len)
{
	const char *p = ev_val(e, key);
	size_t n;

	if (!p)
		return -1;
	n = strcspn(p, " ");
	if (n >= len)
		n = len - 1;
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

/*
 * Parse the instance's trace file: "<task>-<pid> [cpu] flags ts: name:
 * args".  Only sysmem_ events are kept, in the order of the file.
 */
static int read_events(struct event *ev, int max)
{
	char line[1024];
	FILE *f = fopen(INSTANCE "/trace", "re");
	int n = 0;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f) && n < max) {
		char *p, *q;

		if (line[0] == '#')
			continue;
		p = strstr(line, ": sysmem_");
		if (!p)
			continue;
		p += 2;
		q = strstr(p, ": ");
		if (!q || q - p >= (long)sizeof(ev[n].name))
			continue;
		memcpy(ev[n].name, p, q - p);
		ev[n].name[q - p] = '\0';
		snprintf(ev[n].args, sizeof(ev[n].args), "%s", q + 2);
		ev[n].args[strcspn(ev[n].args, "\n")] = '\0';
		n++;
	}
	fclose(f);
	return n;
}

/* The first event at or after @from named @name for collection @id. */
static int find_event(const struct event *ev, int n, int from,
		      const char *name, __u64 id)
{
	int i;

	for (i = from; i < n; i++)
		if (!strcmp(ev[i].name, name) &&
		    ev_num(&ev[i], "collection") == (long long)id)
			return i;
	return -1;
}

static int count_events(const struct event *ev, int n, const char *name,
			__u64 id)
{
	int i, c = 0;

	for (i = 0; i < n; i++)
		if (!strcmp(ev[i].name, name) &&
		    ev_num(&ev[i], "collection") == (long long)id)
			c++;
	return c;
}

static int tracefs_ready(void)
{
	if (!access(TRACEFS "/instances", F_OK))
		return 0;
	if (mount("nodev", TRACEFS, "tracefs", 0, NULL) && errno != EBUSY)
		return -errno;
	return access(TRACEFS "/instances", F_OK) ? -errno : 0;
}

FIXTURE(trace) {
	int dev;
};

FIXTURE_SETUP(trace)
{
	int ret = tracefs_ready();

	if (ret)
		SKIP(return, "no tracefs: %s", strerror(-ret));
	if (access(TRACEFS "/events/sysmem", F_OK))
		SKIP(return, "no sysmem events: kernel without event tracing");
	rmdir(INSTANCE);
	ASSERT_EQ(0, mkdir(INSTANCE, 0700));
	ASSERT_EQ(0, write_file(INSTANCE "/buffer_size_kb", "1024"));
	ASSERT_EQ(0, write_file(INSTANCE "/events/sysmem/enable", "1"));
	self->dev = sysmem_open();
	ASSERT_LE(0, self->dev);
}

FIXTURE_TEARDOWN(trace)
{
	if (self->dev >= 0)
		close(self->dev);
	write_file(INSTANCE "/events/sysmem/enable", "0");
	rmdir(INSTANCE);
}

/*
 * Two participants: a root token and its duplicate, both bound; their
 * constraints need 1 + 1 buffers of 8192 bytes.  @fail: the second one
 * asks for at most 4096 bytes, which cannot meet the first one's.
 */
struct pair {
	int token, dup, c1, c2;
	__u64 id;
};

static void set_cons(struct __test_metadata *_metadata, int fd, __u64 min,
		     __u64 max)
{
	struct sysmem_buffer_constraints c;

	cons_init(&c, USAGE_RW, 1, min);
	if (max) {
		c.flags |= SYSMEM_CONSTRAINTS_HAS_MAX_SIZE;
		c.max_size_bytes = max;
	}
	ASSERT_EQ(0, sysmem_set_constraints(fd, &c));
}

TEST_F(trace, events)
{
	struct event *ev = calloc(MAX_EVENTS, sizeof(*ev));
	struct sysmem_buffer_settings s;
	long long root, dup, n1, n2, f1, f2, fr, fd2, fn1, fn2;
	int fds[4], n, i, at, a0, a1, done, pid = getpid();
	struct pair ok, bad;
	unsigned int nb, nf;
	char heap[40];

	ASSERT_NE(NULL, ev);

	/* A negotiation that allocates. */
	ok.token = sysmem_alloc_token(self->dev);
	ASSERT_LE(0, ok.token);
	ASSERT_EQ(0, sysmem_get_collection_id(ok.token, &ok.id));
	ok.dup = sysmem_duplicate(ok.token, SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, ok.dup);
	ok.c1 = sysmem_bind(self->dev, ok.token);
	ASSERT_LE(0, ok.c1);
	ok.c2 = sysmem_bind(self->dev, ok.dup);
	ASSERT_LE(0, ok.c2);
	set_cons(_metadata, ok.c1, 8192, 0);
	set_cons(_metadata, ok.c2, 4096, 0);
	ASSERT_EQ(0, sysmem_wait(ok.c1, WAIT_NS));
	ASSERT_EQ(0, sysmem_get_result(ok.c1, &s, fds, 4, &nb, &nf));
	ASSERT_EQ(2, nf);
	EXPECT_EQ(8192, s.size_bytes);
	close_fds(fds, 2);

	/* A negotiation that fails: 8192 bytes at least, 4096 at most. */
	bad.token = sysmem_alloc_token(self->dev);
	ASSERT_LE(0, bad.token);
	ASSERT_EQ(0, sysmem_get_collection_id(bad.token, &bad.id));
	bad.dup = sysmem_duplicate(bad.token, SYSMEM_RIGHT_READ);
	ASSERT_LE(0, bad.dup);
	bad.c1 = sysmem_bind(self->dev, bad.token);
	ASSERT_LE(0, bad.c1);
	bad.c2 = sysmem_bind(self->dev, bad.dup);
	ASSERT_LE(0, bad.c2);
	set_cons(_metadata, bad.c1, 8192, 0);
	set_cons(_metadata, bad.c2, 4096, 4096);
	CHECK_STATE(bad.c1, SYSMEM_STATE_FAILED, SYSMEM_FAIL_CONSTRAINTS);

	/* The frees: every node and every buffer gone. */
	leave(ok.c1);
	leave(ok.c2);
	close(ok.token);
	close(ok.dup);
	leave(bad.c1);
	leave(bad.c2);
	close(bad.token);
	close(bad.dup);
	/*
	 * The last reference on a collection may be a work item's (the one
	 * that learns its last strong buffer went): wait for both frees.
	 */
	for (i = 0; i < SETTLE_MS / SETTLE_POLL_MS; i++) {
		n = read_events(ev, MAX_EVENTS);
		ASSERT_LT(0, n);
		if (count_events(ev, n, "sysmem_collection_free", ok.id) &&
		    count_events(ev, n, "sysmem_collection_free", bad.id))
			break;
		usleep(SETTLE_POLL_MS * 1000);
	}
	ASSERT_EQ(0, write_file(INSTANCE "/events/sysmem/enable", "0"));

	n = read_events(ev, MAX_EVENTS);
	ASSERT_LT(0, n);
	for (i = 0; i < n; i++)
		TH_LOG("%s: %s", ev[i].name, ev[i].args);

	/* The allocating collection, step by step. */
	at = find_event(ev, n, 0, "sysmem_token_create", ok.id);
	ASSERT_LE(0, at);
	/* Node ids count from 1 in each collection. */
	root = ev_num(&ev[at], "node");
	EXPECT_EQ(1, root);
	EXPECT_EQ(pid, ev_num(&ev[at], "pid"));
	EXPECT_EQ(pid, ev_num(&ev[at], "client"));
	EXPECT_EQ(SYSMEM_RIGHTS_ALL, ev_num(&ev[at], "rights"));
	EXPECT_EQ(1, count_events(ev, n, "sysmem_token_create", ok.id));

	at = find_event(ev, n, at + 1, "sysmem_token_duplicate", ok.id);
	ASSERT_LE(0, at);
	dup = ev_num(&ev[at], "node");
	EXPECT_EQ(root, ev_num(&ev[at], "parent"));
	EXPECT_EQ(2, dup);
	EXPECT_EQ(pid, ev_num(&ev[at], "pid"));
	EXPECT_EQ(1, count_events(ev, n, "sysmem_token_duplicate", ok.id));

	/* A collection node keeps the id of the token it was bound from. */
	at = find_event(ev, n, at + 1, "sysmem_token_bind", ok.id);
	ASSERT_LE(0, at);
	n1 = ev_num(&ev[at], "node");
	EXPECT_EQ(root, n1);
	EXPECT_EQ(pid, ev_num(&ev[at], "pid"));
	at = find_event(ev, n, at + 1, "sysmem_token_bind", ok.id);
	ASSERT_LE(0, at);
	n2 = ev_num(&ev[at], "node");
	EXPECT_EQ(dup, n2);
	EXPECT_EQ(2, count_events(ev, n, "sysmem_token_bind", ok.id));

	at = find_event(ev, n, at + 1, "sysmem_constraints_set", ok.id);
	ASSERT_LE(0, at);
	EXPECT_EQ(n1, ev_num(&ev[at], "node"));
	EXPECT_EQ(8192, ev_num(&ev[at], "min_size"));
	EXPECT_EQ(1, ev_num(&ev[at], "camping"));
	EXPECT_EQ(USAGE_RW, ev_num(&ev[at], "usage"));
	EXPECT_EQ(pid, ev_num(&ev[at], "pid"));
	at = find_event(ev, n, at + 1, "sysmem_constraints_set", ok.id);
	ASSERT_LE(0, at);
	EXPECT_EQ(n2, ev_num(&ev[at], "node"));
	EXPECT_EQ(4096, ev_num(&ev[at], "min_size"));

	a0 = find_event(ev, n, at + 1, "sysmem_buffer_alloc", ok.id);
	ASSERT_LE(0, a0);
	a1 = find_event(ev, n, a0 + 1, "sysmem_buffer_alloc", ok.id);
	ASSERT_LE(0, a1);
	EXPECT_EQ(0, ev_num(&ev[a0], "index"));
	EXPECT_EQ(1, ev_num(&ev[a1], "index"));
	EXPECT_EQ(8192, ev_num(&ev[a0], "size"));
	EXPECT_EQ(8192, ev_num(&ev[a1], "size"));
	ASSERT_EQ(0, ev_word(&ev[a0], "heap", heap, sizeof(heap)));
	EXPECT_STREQ(s.heap, heap);
	EXPECT_EQ(2, count_events(ev, n, "sysmem_buffer_alloc", ok.id));

	done = find_event(ev, n, a1 + 1, "sysmem_negotiation_done", ok.id);
	ASSERT_LE(0, done);
	EXPECT_EQ(2, ev_num(&ev[done], "buffers"));
	EXPECT_EQ(8192, ev_num(&ev[done], "size"));
	ASSERT_EQ(0, ev_word(&ev[done], "heap", heap, sizeof(heap)));
	EXPECT_STREQ(s.heap, heap);
	EXPECT_LE(0, ev_num(&ev[done], "duration_ns"));
	EXPECT_LE(ev_num(&ev[done], "duration_ns"),
		  ev_num(&ev[done], "pending_ns"));
	EXPECT_EQ(0, count_events(ev, n, "sysmem_negotiation_failed", ok.id));

	/* Released after the allocation: both buffers, then the free. */
	at = find_event(ev, n, done + 1, "sysmem_buffer_release", ok.id);
	ASSERT_LE(0, at);
	EXPECT_EQ(8192, ev_num(&ev[at], "size"));
	EXPECT_EQ(2, count_events(ev, n, "sysmem_buffer_release", ok.id));
	at = find_event(ev, n, done + 1, "sysmem_collection_free", ok.id);
	ASSERT_LE(0, at);
	EXPECT_NE(NULL, strstr(ev[at].args, "state=allocated"));
	EXPECT_EQ(0, ev_num(&ev[at], "reason"));
	EXPECT_EQ(1, count_events(ev, n, "sysmem_collection_free", ok.id));

	/* The failing collection: its culprit is the second participant. */
	at = find_event(ev, n, 0, "sysmem_token_create", bad.id);
	ASSERT_LE(0, at);
	fr = ev_num(&ev[at], "node");
	at = find_event(ev, n, at + 1, "sysmem_token_duplicate", bad.id);
	ASSERT_LE(0, at);
	fd2 = ev_num(&ev[at], "node");
	EXPECT_EQ(fr, ev_num(&ev[at], "parent"));
	EXPECT_EQ(SYSMEM_RIGHT_READ, ev_num(&ev[at], "rights"));
	at = find_event(ev, n, at + 1, "sysmem_token_bind", bad.id);
	ASSERT_LE(0, at);
	f1 = ev_num(&ev[at], "node");
	EXPECT_EQ(fr, f1);
	at = find_event(ev, n, at + 1, "sysmem_token_bind", bad.id);
	ASSERT_LE(0, at);
	f2 = ev_num(&ev[at], "node");
	EXPECT_EQ(fd2, f2);
	at = find_event(ev, n, at + 1, "sysmem_constraints_set", bad.id);
	ASSERT_LE(0, at);
	fn1 = ev_num(&ev[at], "node");
	at = find_event(ev, n, at + 1, "sysmem_constraints_set", bad.id);
	ASSERT_LE(0, at);
	fn2 = ev_num(&ev[at], "node");
	EXPECT_EQ(f1, fn1);
	EXPECT_EQ(f2, fn2);
	EXPECT_EQ(4096, ev_num(&ev[at], "max_size"));
	at = find_event(ev, n, at + 1, "sysmem_negotiation_failed", bad.id);
	ASSERT_LE(0, at);
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS, ev_num(&ev[at], "reason"));
	EXPECT_EQ(f2, ev_num(&ev[at], "culprit"));
	EXPECT_EQ(2, f2);
	EXPECT_EQ(pid, ev_num(&ev[at], "culprit_client"));
	EXPECT_EQ(1, count_events(ev, n, "sysmem_negotiation_failed", bad.id));
	EXPECT_EQ(0, count_events(ev, n, "sysmem_negotiation_done", bad.id));
	EXPECT_EQ(0, count_events(ev, n, "sysmem_buffer_alloc", bad.id));
	at = find_event(ev, n, at + 1, "sysmem_collection_free", bad.id);
	ASSERT_LE(0, at);
	EXPECT_NE(NULL, strstr(ev[at].args, "state=failed"));
	EXPECT_EQ(SYSMEM_FAIL_CONSTRAINTS, ev_num(&ev[at], "reason"));
	free(ev);
}

/* ---- stall diagnostics ---- */

/*
 * /dev/kmsg from its end.  Its records escape bytes below ' ' and above
 * '~', and the backslash, as \xNN: undone here, so a line reads as the
 * kernel wrote it.
 */
static int kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

static void kmsg_unescape(char *s)
{
	char *out = s;
	unsigned int c;

	while (*s) {
		if (s[0] == '\\' && s[1] == 'x' && sscanf(s + 2, "%2x", &c) == 1) {
			*out++ = (char)c;
			s += 4;
		} else {
			*out++ = *s++;
		}
	}
	*out = '\0';
}

/*
 * Read the new records of @fd; keep the sysmem stall lines of
 * collection @id in @lines (up to @max, each @len bytes).  Return how
 * many such lines were read in total.
 */
static int kmsg_stall_lines(int fd, __u64 id, char (*lines)[1024], int max)
{
	char rec[2048], pat[64];
	int count = 0;
	ssize_t n;

	snprintf(pat, sizeof(pat), "sysmem: collection %llu \"",
		 (unsigned long long)id);
	for (;;) {
		char *msg;

		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records: go on */
		if (n <= 0)
			break;
		rec[n] = '\0';
		msg = strchr(rec, ';');
		if (!msg)
			continue;
		msg++;
		msg[strcspn(msg, "\n")] = '\0';
		kmsg_unescape(msg);
		if (strncmp(msg, pat, strlen(pat)) ||
		    !strstr(msg, "still pending"))
			continue;
		if (count < max)
			snprintf(lines[count], sizeof(lines[0]), "%s", msg);
		count++;
	}
	return count;
}

/*
 * Wait up to @ms for collection @id's stall lines; once one is seen,
 * go on reading for QUIET_MS so that a second one would be seen too.
 */
static int wait_stall_lines(int fd, __u64 id, char (*lines)[1024], int max,
			    int ms)
{
	int count = 0, waited;

	for (waited = 0; waited < ms; waited += 50) {
		count += kmsg_stall_lines(fd, id, lines + count,
					  max > count ? max - count : 0);
		if (count)
			break;
		usleep(50 * 1000);
	}
	if (!count)
		return 0;
	usleep(QUIET_MS * 1000);
	count += kmsg_stall_lines(fd, id, lines + count,
				  max > count ? max - count : 0);
	return count;
}

/*
 * The kind named before a participant's entry in a stall line ("...; token
 * 12 \"name\" ..."), with @p at its opening quote; into @kind.
 */
static const char *kind_before(const char *line, const char *p, char *kind)
{
	const char *end;

	kind[0] = '\0';
	if (p - line < 2 || p[-1] != ' ')
		return kind;
	p--;
	while (p > line && p[-1] >= '0' && p[-1] <= '9')
		p--;
	if (p == line || p[-1] != ' ')
		return kind;
	end = --p;
	while (p > line && p[-1] >= 'a' && p[-1] <= 'z')
		p--;
	if (end - p < 16) {
		memcpy(kind, p, end - p);
		kind[end - p] = '\0';
	}
	return kind;
}

static int set_deadline_raw(int fd, __s64 deadline, __u32 flags,
			    __u32 reserved)
{
	struct sysmem_debug_timeout t = {
		.deadline_ns = deadline,
		.flags = flags,
		.reserved = reserved,
	};

	return ioctl(fd, SYSMEM_IOC_NODE_SET_DEBUG_TIMEOUT_LOG_DEADLINE, &t) ?
	       -errno : 0;
}

FIXTURE(stall) {
	int dev;
	int kmsg;
};

FIXTURE_SETUP(stall)
{
	self->dev = sysmem_open();
	ASSERT_LE(0, self->dev);
	self->kmsg = kmsg_open();
	ASSERT_LE(0, self->kmsg);
}

FIXTURE_TEARDOWN(stall)
{
	close(self->kmsg);
	close(self->dev);
}

/*
 * A collection with an unbound token and a participant without
 * constraints, named with a tab (logged escaped), stalls 200 ms ahead:
 * one line names both, with what each lacks.  A collection that
 * allocated before the same deadline logs nothing.
 */
TEST_F(stall, deadline)
{
	static const char name[] = "stall\tcoll";
	char lines[4][1024], want[256], kind[16];
	int root, u, v, a, b, k, ctl, pid = getpid();
	__u64 id, kid;
	__s64 deadline;
	struct sysmem_buffer_constraints c;
	char *p;

	root = sysmem_alloc_token(self->dev);
	ASSERT_LE(0, root);
	ASSERT_EQ(0, sysmem_get_collection_id(root, &id));
	ASSERT_EQ(0, sysmem_set_name(root, 1, name));
	u = sysmem_duplicate(root, SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, u);
	v = sysmem_duplicate(root, SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, v);
	ASSERT_EQ(0, sysmem_set_debug_info(u, "stall-token-u", 1001));
	a = sysmem_bind(self->dev, root);
	ASSERT_LE(0, a);
	b = sysmem_bind(self->dev, v);
	ASSERT_LE(0, b);
	ASSERT_EQ(0, sysmem_set_debug_info(b, "stall-coll-b", 1002));
	cons_init(&c, USAGE_RW, 1, 4096);
	ASSERT_EQ(0, sysmem_set_constraints(a, &c));

	/* The control: allocated at once, with the same deadline. */
	ctl = kmsg_open();
	ASSERT_LE(0, ctl);
	k = sysmem_alloc_nonshared(self->dev);
	ASSERT_LE(0, k);
	ASSERT_EQ(0, sysmem_get_collection_id(k, &kid));

	deadline = now_ns() + 200 * MSEC_NS;
	/* On the token, the group-less collection node and the control. */
	ASSERT_EQ(0, sysmem_set_debug_timeout_log_deadline(u, deadline));
	ASSERT_EQ(0, sysmem_set_debug_timeout_log_deadline(k, deadline));
	ASSERT_EQ(0, sysmem_set_constraints(k, &c));
	ASSERT_EQ(0, sysmem_wait(k, WAIT_NS));

	ASSERT_EQ(1, wait_stall_lines(self->kmsg, id, lines, 4, LINE_WAIT_MS));
	TH_LOG("%s", lines[0]);
	CHECK_STATE(a, SYSMEM_STATE_PENDING, SYSMEM_FAIL_NONE);

	/* The collection, its name escaped by the kernel. */
	snprintf(want, sizeof(want), "sysmem: collection %llu \"stall\\tcoll\" still pending ",
		 (unsigned long long)id);
	EXPECT_EQ(0, strncmp(lines[0], want, strlen(want)));
	EXPECT_NE(NULL, strstr(lines[0], "waiting for 2 participant(s): "));
	snprintf(want, sizeof(want),
		 "\"stall-token-u\" (id 1001, pid %d): token not bound", pid);
	p = strstr(lines[0], want);
	ASSERT_NE(NULL, p);
	EXPECT_STREQ("token", kind_before(lines[0], p, kind));
	snprintf(want, sizeof(want),
		 "\"stall-coll-b\" (id 1002, pid %d): no constraints set", pid);
	p = strstr(lines[0], want);
	ASSERT_NE(NULL, p);
	EXPECT_STREQ("collection", kind_before(lines[0], p, kind));
	/* Nobody else: the bound root set constraints. */
	EXPECT_EQ(NULL, strstr(lines[0], "; and more"));

	/* A second, later deadline logs nothing more. */
	EXPECT_EQ(0, sysmem_set_debug_timeout_log_deadline(b, now_ns()));
	EXPECT_EQ(0, wait_stall_lines(self->kmsg, id, lines, 4, QUIET_MS));

	/* And the control, allocated before its deadline, never logged. */
	EXPECT_EQ(0, kmsg_stall_lines(ctl, kid, lines, 4));
	close(ctl);

	leave(k);
	leave(a);
	leave(b);
	close(u);
}

/*
 * The default deadline comes from stall_log_seconds (default 60, 0644).
 * A collection made at 60 waits first in the queue of default deadlines
 * when the one made at 1 comes: the later one goes ahead of it, and the
 * shared work is armed again for the earlier deadline: else its line
 * would come after 60 s, well past LINE_WAIT_MS.
 */
TEST_F(stall, module_parameter)
{
	char old[32], lines[2][1024];
	__u64 id;
	int root, dup, queued;
	struct stat st;

	ASSERT_EQ(0, stat(PARAM, &st));
	EXPECT_EQ(0644, st.st_mode & 0777);
	ASSERT_EQ(0, read_file(PARAM, old, sizeof(old)));
	TH_LOG("stall_log_seconds was %s", old);

	ASSERT_EQ(0, write_file(PARAM, "60"));
	queued = sysmem_alloc_token(self->dev);
	ASSERT_LE(0, queued);
	ASSERT_EQ(0, write_file(PARAM, "1"));
	root = sysmem_alloc_token(self->dev);
	/* Made with the parameter at 1: its default deadline is 1 s. */
	ASSERT_EQ(0, write_file(PARAM, old));
	ASSERT_LE(0, root);
	ASSERT_EQ(0, sysmem_get_collection_id(root, &id));
	dup = sysmem_duplicate(root, SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, dup);
	ASSERT_EQ(1, wait_stall_lines(self->kmsg, id, lines, 2, LINE_WAIT_MS));
	TH_LOG("%s", lines[0]);
	EXPECT_NE(NULL, strstr(lines[0], "waiting for 2 participant(s): "));
	EXPECT_NE(NULL, strstr(lines[0], "token not bound; token "));
	close(dup);
	close(root);
	close(queued);
}

/* The first module load has the documented default. */
TEST(stall_default)
{
	char val[32];

	ASSERT_EQ(0, read_file(PARAM, val, sizeof(val)));
	EXPECT_STREQ("60", val);
}

/* Bad inputs and the documented errors. */
TEST_F(stall, errors)
{
	__s64 soon = now_ns() + 3600 * 1000 * MSEC_NS;
	int token, coll, group, ref, dmabuf, fds[1];
	struct sysmem_buffer_settings s;
	struct sysmem_buffer_constraints c;
	struct sysmem_debug_timeout t = { .deadline_ns = soon };
	unsigned char big[sizeof(t) + 8];
	unsigned int nb, nf;
	char lines[1][1024];
	__u64 id;

	token = sysmem_alloc_token(self->dev);
	ASSERT_LE(0, token);
	group = sysmem_create_group(token);
	ASSERT_LE(0, group);
	ref = sysmem_get_node_ref(token);
	ASSERT_LE(0, ref);

	/* Every node kind takes it; SYSMEM_DEADLINE_NONE changes nothing. */
	EXPECT_EQ(0, sysmem_set_debug_timeout_log_deadline(token, soon));
	EXPECT_EQ(0, sysmem_set_debug_timeout_log_deadline(group, soon));
	EXPECT_EQ(0, sysmem_set_debug_timeout_log_deadline(token,
							  SYSMEM_DEADLINE_NONE));

	/* Negative deadlines, flags, reserved: EINVAL. */
	EXPECT_EQ(-EINVAL, sysmem_set_debug_timeout_log_deadline(token, -1));
	EXPECT_EQ(-EINVAL, sysmem_set_debug_timeout_log_deadline(token,
								INT64_MIN));
	EXPECT_EQ(-EINVAL, set_deadline_raw(token, soon, 1, 0));
	EXPECT_EQ(-EINVAL, set_deadline_raw(token, soon, 0x80000000U, 0));
	EXPECT_EQ(-EINVAL, set_deadline_raw(token, soon, 0, 1));

	/* An older caller's 8 bytes: the rest reads as zero. */
	EXPECT_EQ(0, ioctl(token, _IOC(_IOC_WRITE, SYSMEM_IOC_MAGIC, 0x19, 8),
			   &t));
	/* A newer caller's longer structure: its tail must be zero. */
	memset(big, 0, sizeof(big));
	memcpy(big, &t, sizeof(t));
	EXPECT_EQ(0, ioctl(token, _IOC(_IOC_WRITE, SYSMEM_IOC_MAGIC, 0x19,
				       sizeof(big)), big));
	big[sizeof(t) + 3] = 1;
	EXPECT_EQ(-1, ioctl(token, _IOC(_IOC_WRITE, SYSMEM_IOC_MAGIC, 0x19,
					sizeof(big)), big));
	EXPECT_EQ(E2BIG, errno);
	/* Wrong direction bits, and a pointer the kernel cannot read. */
	EXPECT_EQ(-1, ioctl(token, _IOC(_IOC_READ | _IOC_WRITE,
					SYSMEM_IOC_MAGIC, 0x19, sizeof(t)), &t));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(token, SYSMEM_IOC_NODE_SET_DEBUG_TIMEOUT_LOG_DEADLINE,
			    NULL));
	EXPECT_EQ(EFAULT, errno);

	/* Not a node: ENOTTY on the device, a node ref and a dma-buf. */
	EXPECT_EQ(-ENOTTY, sysmem_set_debug_timeout_log_deadline(self->dev,
								soon));
	EXPECT_EQ(-ENOTTY, sysmem_set_debug_timeout_log_deadline(ref, soon));
	coll = sysmem_alloc_nonshared(self->dev);
	ASSERT_LE(0, coll);
	cons_init(&c, USAGE_RW, 1, 4096);
	ASSERT_EQ(0, sysmem_set_constraints(coll, &c));
	ASSERT_EQ(0, sysmem_get_result(coll, &s, fds, 1, &nb, &nf));
	ASSERT_EQ(1, nf);
	dmabuf = fds[0];
	EXPECT_EQ(-ENOTTY, sysmem_set_debug_timeout_log_deadline(dmabuf, soon));
	close(dmabuf);

	/* Allocated: accepted, nothing to log. */
	ASSERT_EQ(0, sysmem_get_collection_id(coll, &id));
	EXPECT_EQ(0, sysmem_set_debug_timeout_log_deadline(coll, 0));
	EXPECT_EQ(0, wait_stall_lines(self->kmsg, id, lines, 1, QUIET_MS));

	/* Released: ESTALE (a negative deadline is still EINVAL first). */
	ASSERT_EQ(0, sysmem_release(coll));
	EXPECT_EQ(-ESTALE, sysmem_set_debug_timeout_log_deadline(coll, soon));
	EXPECT_EQ(-EINVAL, sysmem_set_debug_timeout_log_deadline(coll, -5));
	close(coll);
	close(ref);
	close(group);
	close(token);
}

TEST_HARNESS_MAIN

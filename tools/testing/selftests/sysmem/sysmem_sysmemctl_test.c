// SPDX-License-Identifier: GPL-2.0
/*
 * sysmemctl against the real module: set up collections with libsysmem,
 * run "sysmemctl --json ..." (the guest has it in /usr/local/bin), parse
 * its output with the strict JSON parser below and compare every value
 * with what was set up; check the human tables' rows and the errors and
 * exit statuses too.
 *
 * The collections, set up afresh for each test:
 *   A  pending: a root collection node with a debug name (quotes,
 *      backslash, tab, UTF-8 and a byte that is not UTF-8), an unbound
 *      token and a group with one unbound child token; its name has
 *      such bytes too.
 *   B  allocated: a non-shared collection of NR_BUFS buffers of BUF_SIZE
 *      bytes on the system heap, this process holding their dma-bufs.
 *   C  failed: a non-shared collection that permits only a heap that
 *      does not exist (reason no_heap).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <grp.h>
#include <sched.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "sysmem_selftest.h"

#define NR_BUFS		3
#define BUF_SIZE	(64 * KIB)
#define NOBODY		65534

/* Names with every kind of byte the escaping has to carry. */
static const char name_a[] = "pipe\"q\\\x01\xe2\x82\xac\xfe";
static const char name_a_json[] = "pipe\"q\\\x01\xe2\x82\xac\xc3\xbe";
static const char name_a_text[] = "pipe\"q\\134\\001\\342\\202\\254\\376";
static const char dbg_root[] = "cam\"era\\\t\xc3\xa9\xff";
static const char dbg_root_json[] = "cam\"era\\\t\xc3\xa9\xc3\xbf";
static const char dbg_root_text[] = "cam\"era\\134\\011\\303\\251\\377";
#define NAME_B		"sysmemctl-alloc"
#define NAME_C		"sysmemctl-failed"

/* --- a strict JSON parser: RFC 8259, integers only --- */

enum jtype { J_NULL, J_FALSE, J_TRUE, J_NUM, J_STR, J_ARR, J_OBJ };

struct jv {
	enum jtype type;
	char *s;		/* J_STR: UTF-8, NUL-terminated; len bytes */
	size_t len;
	uint64_t num;		/* J_NUM: magnitude */
	bool neg;
	struct jv *v;		/* J_ARR, J_OBJ: n values */
	char **k;		/* J_OBJ: n keys */
	size_t n;
};

struct jp {
	const char *p;
	const char *err;
};

static void jfree(struct jv *v)
{
	size_t i;

	for (i = 0; i < v->n; i++) {
		jfree(&v->v[i]);
		if (v->k)
			free(v->k[i]);
	}
	free(v->v);
	free(v->k);
	free(v->s);
	memset(v, 0, sizeof(*v));
}

static void jws(struct jp *j)
{
	while (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' ||
	       *j->p == '\r')
		j->p++;
}

static int jfail(struct jp *j, const char *why)
{
	if (!j->err)
		j->err = why;
	return -1;
}

static int hex4(const char *p, uint32_t *cp)
{
	int i;

	*cp = 0;
	for (i = 0; i < 4; i++) {
		if (!isxdigit((unsigned char)p[i]))
			return -1;
		*cp = *cp << 4 | (isdigit((unsigned char)p[i]) ? p[i] - '0' :
				  (tolower((unsigned char)p[i]) - 'a' + 10));
	}
	return 0;
}

/* Length of the valid UTF-8 sequence at @s, or 0. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;
	n = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
	cp = s[0] & (0x7f >> n);
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

static size_t put_utf8(char *o, uint32_t cp)
{
	if (cp < 0x80) {
		o[0] = cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = 0xc0 | cp >> 6;
		o[1] = 0x80 | (cp & 0x3f);
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = 0xe0 | cp >> 12;
		o[1] = 0x80 | (cp >> 6 & 0x3f);
		o[2] = 0x80 | (cp & 0x3f);
		return 3;
	}
	o[0] = 0xf0 | cp >> 18;
	o[1] = 0x80 | (cp >> 12 & 0x3f);
	o[2] = 0x80 | (cp >> 6 & 0x3f);
	o[3] = 0x80 | (cp & 0x3f);
	return 4;
}

static int jstring(struct jp *j, char **out, size_t *len)
{
	/* Never longer decoded than encoded. */
	char *s = malloc(strlen(j->p) + 1);
	size_t n = 0, l;
	uint32_t cp, lo;

	if (!s)
		return jfail(j, "out of memory");
	j->p++;			/* the opening quote */
	while (*j->p != '"') {
		unsigned char c = *j->p;

		if (c < 0x20)
			goto bad;	/* the NUL of an open string too */
		if (c != '\\') {
			l = utf8_len((const unsigned char *)j->p);
			if (!l)
				goto bad;
			memcpy(s + n, j->p, l);
			n += l;
			j->p += l;
			continue;
		}
		c = j->p[1];
		j->p += 2;
		switch (c) {
		case '"': case '\\': case '/':
			s[n++] = c;
			break;
		case 'b':
			s[n++] = '\b';
			break;
		case 'f':
			s[n++] = '\f';
			break;
		case 'n':
			s[n++] = '\n';
			break;
		case 'r':
			s[n++] = '\r';
			break;
		case 't':
			s[n++] = '\t';
			break;
		case 'u':
			if (hex4(j->p, &cp))
				goto bad;
			j->p += 4;
			if (cp >= 0xdc00 && cp <= 0xdfff)
				goto bad;
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (j->p[0] != '\\' || j->p[1] != 'u' ||
				    hex4(j->p + 2, &lo) || lo < 0xdc00 ||
				    lo > 0xdfff)
					goto bad;
				j->p += 6;
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				     (lo - 0xdc00);
			}
			n += put_utf8(s + n, cp);
			break;
		default:
			goto bad;
		}
	}
	j->p++;
	s[n] = '\0';
	*out = s;
	*len = n;
	return 0;
bad:
	free(s);
	return jfail(j, "bad string");
}

static int jvalue(struct jp *j, struct jv *v, unsigned int depth);

static int jcontainer(struct jp *j, struct jv *v, unsigned int depth)
{
	bool obj = *j->p == '{';
	char close = obj ? '}' : ']';
	size_t i, klen;
	char *key;

	v->type = obj ? J_OBJ : J_ARR;
	j->p++;
	jws(j);
	if (*j->p == close) {
		j->p++;
		return 0;
	}
	for (;;) {
		key = NULL;
		if (obj) {
			if (*j->p != '"' || jstring(j, &key, &klen))
				return jfail(j, "bad key");
			for (i = 0; i < v->n; i++) {
				if (!strcmp(v->k[i], key)) {
					free(key);
					return jfail(j, "duplicate key");
				}
			}
			jws(j);
			if (*j->p != ':') {
				free(key);
				return jfail(j, "no colon");
			}
			j->p++;
		}
		v->v = realloc(v->v, (v->n + 1) * sizeof(*v->v));
		if (obj)
			v->k = realloc(v->k, (v->n + 1) * sizeof(*v->k));
		if (!v->v || (obj && !v->k)) {
			free(key);
			return jfail(j, "out of memory");
		}
		memset(&v->v[v->n], 0, sizeof(*v->v));
		if (obj)
			v->k[v->n] = key;
		v->n++;
		if (jvalue(j, &v->v[v->n - 1], depth + 1))
			return -1;
		jws(j);
		if (*j->p == close) {
			j->p++;
			return 0;
		}
		if (*j->p != ',')
			return jfail(j, "no comma");
		j->p++;
		jws(j);
	}
}

static int jvalue(struct jp *j, struct jv *v, unsigned int depth)
{
	uint64_t x = 0;

	if (depth > 32)
		return jfail(j, "too deep");
	jws(j);
	switch (*j->p) {
	case '{': case '[':
		return jcontainer(j, v, depth);
	case '"':
		v->type = J_STR;
		return jstring(j, &v->s, &v->len);
	case 't':
		v->type = J_TRUE;
		if (strncmp(j->p, "true", 4))
			return jfail(j, "bad literal");
		j->p += 4;
		return 0;
	case 'f':
		v->type = J_FALSE;
		if (strncmp(j->p, "false", 5))
			return jfail(j, "bad literal");
		j->p += 5;
		return 0;
	case 'n':
		v->type = J_NULL;
		if (strncmp(j->p, "null", 4))
			return jfail(j, "bad literal");
		j->p += 4;
		return 0;
	}
	v->type = J_NUM;
	if (*j->p == '-') {
		v->neg = true;
		j->p++;
	}
	if (!isdigit((unsigned char)*j->p))
		return jfail(j, "unexpected character");
	if (*j->p == '0' && isdigit((unsigned char)j->p[1]))
		return jfail(j, "leading zero");
	while (isdigit((unsigned char)*j->p)) {
		if (x > (UINT64_MAX - (uint64_t)(*j->p - '0')) / 10)
			return jfail(j, "number out of range");
		x = x * 10 + (uint64_t)(*j->p++ - '0');
	}
	if (*j->p == '.' || *j->p == 'e' || *j->p == 'E')
		return jfail(j, "not an integer");
	v->num = x;
	return 0;
}

/* Parse one whole document; 0, or -1 with *why set. */
static int jparse(const char *text, struct jv *v, const char **why)
{
	struct jp j = { .p = text };

	memset(v, 0, sizeof(*v));
	if (!jvalue(&j, v, 0)) {
		jws(&j);
		if (!*j.p)
			return 0;
		jfail(&j, "trailing text");
	}
	*why = j.err;
	jfree(v);
	return -1;
}

/* --- assertions on parsed values --- */

static const struct jv *jget(const struct jv *o, const char *key)
{
	size_t i;

	for (i = 0; o->type == J_OBJ && i < o->n; i++)
		if (!strcmp(o->k[i], key))
			return &o->v[i];
	return NULL;
}

static const struct jv *jtyped(struct __test_metadata *_metadata,
			       const struct jv *o, const char *key,
			       enum jtype type)
{
	const struct jv *v = jget(o, key);

	ASSERT_NE(NULL, v) {
		TH_LOG("no key \"%s\"", key);
	}
	ASSERT_EQ(type, v->type) {
		TH_LOG("key \"%s\" has type %d", key, v->type);
	}
	return v;
}

static uint64_t jnum(struct __test_metadata *_metadata, const struct jv *o,
		     const char *key)
{
	const struct jv *v = jtyped(_metadata, o, key, J_NUM);

	EXPECT_FALSE(v->neg);
	return v->num;
}

static const char *jstr(struct __test_metadata *_metadata,
			const struct jv *o, const char *key)
{
	const struct jv *v = jtyped(_metadata, o, key, J_STR);

	EXPECT_EQ(strlen(v->s), v->len);
	return v->s;
}

static bool jbool(struct __test_metadata *_metadata, const struct jv *o,
		  const char *key)
{
	const struct jv *v = jget(o, key);

	ASSERT_NE(NULL, v);
	ASSERT_TRUE(v->type == J_TRUE || v->type == J_FALSE);
	return v->type == J_TRUE;
}

/* The object has exactly these keys, in this order ("a,b,c"). */
static void jkeys(struct __test_metadata *_metadata, const struct jv *o,
		  const char *keys)
{
	char *all = strdup(keys), *save, *k;
	size_t i = 0;

	ASSERT_NE(NULL, all);
	ASSERT_EQ(J_OBJ, o->type);
	for (k = strtok_r(all, ",", &save); k; k = strtok_r(NULL, ",", &save)) {
		ASSERT_LT(i, o->n) {
			TH_LOG("missing key %s", k);
		}
		EXPECT_STREQ(k, o->k[i]);
		i++;
	}
	EXPECT_EQ(i, o->n);
	free(all);
}

/* --- running sysmemctl --- */

/*
 * AS_MEMBER: uid and gid 65534 with DEV_GROUP as its only other group,
 * the group the test lends /dev/sysmem to (mode 0660, as udev's rule
 * gives it to "video"); AS_NOBODY: the same user outside it.
 */
enum how { AS_ROOT, AS_NOBODY, AS_MEMBER, NO_DEBUGFS, NO_MODULE };
#define DEV_GROUP	4242

struct run {
	int status;		/* exit status, or -1 when it did not exit */
	char *out, *err;
	struct jv json;
};

static char *slurp(int fd)
{
	off_t len = lseek(fd, 0, SEEK_END);
	char *s;

	if (len < 0 || lseek(fd, 0, SEEK_SET))
		return NULL;
	s = malloc(len + 1);
	if (!s || read(fd, s, len) != len) {
		free(s);
		return NULL;
	}
	s[len] = '\0';
	return s;
}

/* In a private mount namespace, hide what @how says is missing. */
static int hide(enum how how)
{
	if (unshare(CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return -1;
	if (how == NO_DEBUGFS)
		return umount2(DEBUGFS_PATH, MNT_DETACH);
	/* Not loaded: no /sys/module/sysmem, no debugfs directory. */
	if (mount("none", "/sys/module", "tmpfs", 0, NULL))
		return -1;
	return mount("none", DEBUGFS_PATH "/sysmem", "tmpfs", 0, NULL);
}

static void run_ctl(struct __test_metadata *_metadata, struct run *r,
		    enum how how, const char *const *args)
{
	const char *argv[8] = { "sysmemctl" };
	int out, err, st, i;
	pid_t pid;

	for (i = 0; args[i]; i++)
		argv[i + 1] = args[i];
	memset(r, 0, sizeof(*r));
	out = memfd_create("sysmemctl-out", MFD_CLOEXEC);
	err = memfd_create("sysmemctl-err", MFD_CLOEXEC);
	ASSERT_LE(0, out);
	ASSERT_LE(0, err);
	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (dup2(out, 1) < 0 || dup2(err, 2) < 0)
			_exit(126);
		if ((how == NO_DEBUGFS || how == NO_MODULE) && hide(how))
			_exit(125);
		if (how == AS_NOBODY &&
		    (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY)))
			_exit(124);
		if (how == AS_MEMBER &&
		    (setgroups(1, &(gid_t){ DEV_GROUP }) || setgid(NOBODY) ||
		     setuid(NOBODY)))
			_exit(124);
		unsetenv("SYSMEMCTL_DEBUGFS");
		execvp(argv[0], (char **)argv);
		_exit(127);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	r->out = slurp(out);
	r->err = slurp(err);
	close(out);
	close(err);
	ASSERT_NE(NULL, r->out);
	ASSERT_NE(NULL, r->err);
	ASSERT_GT(124, r->status) {
		TH_LOG("sysmemctl did not run: %d", r->status);
	}
}

static void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
	jfree(&r->json);
}

/* Run "sysmemctl --json ARGS" as root: exit 0, nothing on stderr. */
#define CTL_JSON(r, ...) ctl_json(_metadata, (r), \
	(const char *const []){ "--json", __VA_ARGS__, NULL })

static void ctl_json(struct __test_metadata *_metadata, struct run *r,
		     const char *const *args)
{
	const char *why = NULL;

	run_ctl(_metadata, r, AS_ROOT, args);
	ASSERT_EQ(0, r->status) {
		TH_LOG("sysmemctl %s %s: %s", args[1], args[2] ?: "", r->err);
	}
	EXPECT_STREQ("", r->err);
	ASSERT_EQ(0, jparse(r->out, &r->json, &why)) {
		TH_LOG("not JSON (%s): %s", why, r->out);
	}
	ASSERT_EQ(J_OBJ, r->json.type);
}

/* Run "sysmemctl ARGS" (human output). */
#define CTL_TEXT(r, how, ...) run_ctl(_metadata, (r), (how), \
	(const char *const []){ __VA_ARGS__, NULL })

/*
 * The row of a human table whose whitespace-separated words start with
 * @first, and its words in @w (at most @max).  Returns the word count,
 * or 0 when no row starts with @first.
 */
static int row(const char *text, const char *first, char w[][96], int max)
{
	const char *line = text, *p;
	int n, len;

	for (; *line; line += strcspn(line, "\n") + !!line[strcspn(line, "\n")]) {
		const char *end = line + strcspn(line, "\n");

		for (n = 0, p = line; p < end && n < max;) {
			while (p < end && *p == ' ')
				p++;
			if (p == end)
				break;
			len = strcspn(p, " \n");
			if (len > 95)
				len = 95;
			memcpy(w[n], p, len);
			w[n++][len] = '\0';
			p += strcspn(p, " \n");
		}
		if (n && !strcmp(w[0], first))
			return n;
	}
	return 0;
}

static char *u64s(uint64_t v)
{
	static char buf[4][24];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%llu", (unsigned long long)v);
	return buf[i];
}

/* Expect the row starting with @first to be exactly the given words. */
#define ROW(text, first, ...) do { \
	const char *_row_exp[] = { first, __VA_ARGS__ }; \
	char _row_w[16][96]; \
	int _row_n = row((text), (first), _row_w, 16), _row_i; \
	ASSERT_EQ((int)(sizeof(_row_exp) / sizeof(_row_exp[0])), _row_n) { \
		TH_LOG("row %s in:\n%s", (first), (text)); \
	} \
	for (_row_i = 0; _row_i < _row_n; _row_i++) \
		EXPECT_STREQ(_row_exp[_row_i], _row_w[_row_i]); \
} while (0)

/* --- the collections under test --- */

FIXTURE(ctl) {
	int dev;
	int root_tok, dup, group, gchild, coll_a;
	int coll_b, bufs[NR_BUFS];
	int coll_c;
	__u64 id_a, id_b, id_c;
	struct sysmem_heap_stats sys0;
};

FIXTURE_SETUP(ctl)
{
	struct sysmem_heap_name nowhere = { .name = "nowhere" };
	struct sysmem_buffer_settings set;
	struct sysmem_buffer_constraints c;
	struct sysmem_objects o;
	unsigned int count = 0, nfds = 0;
	int i;

	if (geteuid())
		SKIP(return, "needs root");
	ASSERT_TRUE(have_debugfs());
	/* Nothing of earlier tests is left: the counts below are exact. */
	ASSERT_EQ(0, sysmem_objects_settle(SETTLE_MS, &o));
	ASSERT_EQ(0, sysmem_read_heap_stats("system", &self->sys0));

	self->dev = sysmem_open();
	ASSERT_LE(0, self->dev);

	/* A: pending. */
	self->root_tok = sysmem_alloc_token(self->dev);
	ASSERT_LE(0, self->root_tok);
	self->dup = sysmem_duplicate(self->root_tok, SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, self->dup);
	ASSERT_EQ(0, sysmem_set_debug_info(self->dup, "late-joiner", 77));
	self->group = sysmem_create_group(self->root_tok);
	ASSERT_LE(0, self->group);
	ASSERT_EQ(0, sysmem_set_debug_info(self->group, "display", 7));
	self->gchild = sysmem_group_create_child(self->group,
						 SYSMEM_RIGHTS_SAME);
	ASSERT_LE(0, self->gchild);
	self->coll_a = sysmem_bind(self->dev, self->root_tok);
	ASSERT_LE(0, self->coll_a);
	ASSERT_EQ(0, sysmem_set_debug_info(self->coll_a, dbg_root, 4242));
	ASSERT_EQ(0, sysmem_set_name(self->coll_a, 1, name_a));
	ASSERT_EQ(0, sysmem_get_collection_id(self->coll_a, &self->id_a));
	CHECK_STATE(self->coll_a, SYSMEM_STATE_PENDING, SYSMEM_FAIL_NONE);

	/* B: allocated, NR_BUFS x BUF_SIZE on the system heap. */
	self->coll_b = sysmem_alloc_nonshared(self->dev);
	ASSERT_LE(0, self->coll_b);
	ASSERT_EQ(0, sysmem_set_name(self->coll_b, 1, NAME_B));
	cons_init(&c, USAGE_RW, NR_BUFS, BUF_SIZE);
	ASSERT_EQ(0, sysmem_set_constraints(self->coll_b, &c));
	ASSERT_EQ(0, sysmem_wait(self->coll_b, WAIT_NS));
	ASSERT_EQ(0, sysmem_get_result(self->coll_b, &set, self->bufs,
				       NR_BUFS, &count, &nfds));
	ASSERT_EQ(NR_BUFS, count);
	ASSERT_EQ(NR_BUFS, nfds);
	ASSERT_EQ(BUF_SIZE, set.size_bytes);
	ASSERT_STREQ("system", set.heap);
	ASSERT_EQ(0, sysmem_get_collection_id(self->coll_b, &self->id_b));

	/* C: failed, no heap fits. */
	self->coll_c = sysmem_alloc_nonshared(self->dev);
	ASSERT_LE(0, self->coll_c);
	ASSERT_EQ(0, sysmem_set_name(self->coll_c, 1, NAME_C));
	cons_init(&c, USAGE_RW, 1, BUF_SIZE);
	c.flags |= SYSMEM_CONSTRAINTS_HAS_PERMITTED_HEAPS;
	c.heap_count = 1;
	c.heaps = (uintptr_t)&nowhere;
	ASSERT_EQ(0, sysmem_set_constraints(self->coll_c, &c));
	ASSERT_EQ(-EIO, sysmem_wait(self->coll_c, WAIT_NS));
	CHECK_STATE(self->coll_c, SYSMEM_STATE_FAILED, SYSMEM_FAIL_NO_HEAP);
	ASSERT_EQ(0, sysmem_get_collection_id(self->coll_c, &self->id_c));

	ASSERT_LT(self->id_a, self->id_b);
	ASSERT_LT(self->id_b, self->id_c);
	for (i = 0; i < NR_BUFS; i++)
		ASSERT_LE(0, self->bufs[i]);
}

FIXTURE_TEARDOWN(ctl)
{
	/* The test's process exits right after: its fds go with it. */
}

/* The "collection" object's keys and values, the same in both commands. */
static void check_coll(struct __test_metadata *_metadata, const struct jv *c,
		       uint64_t id, const char *name, const char *state,
		       const char *reason, uint64_t nodes, uint64_t buffers,
		       uint64_t size, const char *heap)
{
	jkeys(_metadata, c,
	      "id,name,state,reason,age_ms,nodes,buffers,size,heap");
	EXPECT_EQ(id, jnum(_metadata, c, "id"));
	EXPECT_STREQ(name, jstr(_metadata, c, "name"));
	EXPECT_STREQ(state, jstr(_metadata, c, "state"));
	EXPECT_STREQ(reason, jstr(_metadata, c, "reason"));
	jnum(_metadata, c, "age_ms");
	EXPECT_EQ(nodes, jnum(_metadata, c, "nodes"));
	EXPECT_EQ(buffers, jnum(_metadata, c, "buffers"));
	EXPECT_EQ(size, jnum(_metadata, c, "size"));
	EXPECT_STREQ(heap, jstr(_metadata, c, "heap"));
}

TEST_F(ctl, collections_json)
{
	const struct jv *list;
	struct run r;

	CTL_JSON(&r, "collections");
	jkeys(_metadata, &r.json, "collections");
	list = jtyped(_metadata, &r.json, "collections", J_ARR);
	/* Exactly ours, in id order. */
	ASSERT_EQ(3, list->n);
	check_coll(_metadata, &list->v[0], self->id_a, name_a_json, "pending",
		   "none", 4, 0, 0, "");
	check_coll(_metadata, &list->v[1], self->id_b, NAME_B, "allocated",
		   "none", 1, NR_BUFS, BUF_SIZE, "system");
	check_coll(_metadata, &list->v[2], self->id_c, NAME_C, "failed",
		   "no_heap", 1, 0, 0, "");
	run_free(&r);
}

static void check_node(struct __test_metadata *_metadata, const struct jv *n,
		       uint64_t parent, uint64_t depth, const char *kind,
		       const char *state, const char *debug_name,
		       uint64_t debug_id, const char *missing)
{
	const struct jv *m;

	jkeys(_metadata, n,
	      "id,parent,depth,kind,state,debug_name,debug_id,pid,missing");
	EXPECT_NE(0, jnum(_metadata, n, "id"));
	EXPECT_EQ(parent, jnum(_metadata, n, "parent"));
	EXPECT_EQ(depth, jnum(_metadata, n, "depth"));
	EXPECT_STREQ(kind, jstr(_metadata, n, "kind"));
	EXPECT_STREQ(state, jstr(_metadata, n, "state"));
	EXPECT_STREQ(debug_name, jstr(_metadata, n, "debug_name"));
	EXPECT_EQ(debug_id, jnum(_metadata, n, "debug_id"));
	EXPECT_EQ((uint64_t)getpid(), jnum(_metadata, n, "pid"));
	m = jtyped(_metadata, n, "missing", J_ARR);
	if (!missing) {
		EXPECT_EQ(0, m->n);
		return;
	}
	ASSERT_EQ(1, m->n);
	ASSERT_EQ(J_STR, m->v[0].type);
	EXPECT_STREQ(missing, m->v[0].s);
}

/*
 * The debug name nodes get by default: the name of the task that opened
 * /dev/sysmem (its debug id is the tgid).
 */
static const char *comm(struct __test_metadata *_metadata)
{
	static char name[32];

	ASSERT_EQ(0, read_file("/proc/self/comm", name, sizeof(name)));
	return name;
}

TEST_F(ctl, collection_tree_json)
{
	const struct jv *nodes, *bufs, *n;
	uint64_t root, group;
	struct run r;
	size_t i, tok = 1, grp = 2;

	CTL_JSON(&r, "collection", u64s(self->id_a));
	jkeys(_metadata, &r.json, "collection,nodes,buffers");
	check_coll(_metadata, jtyped(_metadata, &r.json, "collection", J_OBJ),
		   self->id_a, name_a_json, "pending", "none", 4, 0, 0, "");
	nodes = jtyped(_metadata, &r.json, "nodes", J_ARR);
	bufs = jtyped(_metadata, &r.json, "buffers", J_ARR);
	EXPECT_EQ(0, bufs->n);
	ASSERT_EQ(4, nodes->n);
	n = nodes->v;
	/* Pre-order: the root first, the group right before its child. */
	check_node(_metadata, &n[0], 0, 0, "collection", "bound",
		   dbg_root_json, 4242, "no_constraints");
	root = jnum(_metadata, &n[0], "id");
	if (!strcmp(jstr(_metadata, &n[1], "kind"), "group")) {
		grp = 1;
		tok = 3;
	}
	check_node(_metadata, &n[tok], root, 1, "token", "unbound",
		   "late-joiner", 77, "unbound_token");
	check_node(_metadata, &n[grp], root, 1, "group", "bound", "display",
		   7, "group_children");
	group = jnum(_metadata, &n[grp], "id");
	/* Created through the group: its debug info is the default. */
	check_node(_metadata, &n[grp + 1], group, 2, "token", "unbound",
		   "display", 7, "unbound_token");
	/* Distinct ids. */
	for (i = 1; i < 4; i++)
		EXPECT_NE(jnum(_metadata, &n[i - 1], "id"),
			  jnum(_metadata, &n[i], "id"));
	EXPECT_NE(jnum(_metadata, &n[tok], "id"),
		  jnum(_metadata, &n[grp + 1], "id"));
	run_free(&r);

	CTL_JSON(&r, "collection", u64s(self->id_b));
	check_coll(_metadata, jtyped(_metadata, &r.json, "collection", J_OBJ),
		   self->id_b, NAME_B, "allocated", "none", 1, NR_BUFS,
		   BUF_SIZE, "system");
	nodes = jtyped(_metadata, &r.json, "nodes", J_ARR);
	ASSERT_EQ(1, nodes->n);
	check_node(_metadata, &nodes->v[0], 0, 0, "collection", "bound",
		   comm(_metadata), getpid(), NULL);
	bufs = jtyped(_metadata, &r.json, "buffers", J_ARR);
	ASSERT_EQ(NR_BUFS, bufs->n);
	for (i = 0; i < NR_BUFS; i++) {
		jkeys(_metadata, &bufs->v[i], "index,heap,size,holders");
		EXPECT_EQ(i, jnum(_metadata, &bufs->v[i], "index"));
		EXPECT_STREQ("system", jstr(_metadata, &bufs->v[i], "heap"));
		EXPECT_EQ(BUF_SIZE, jnum(_metadata, &bufs->v[i], "size"));
		/* The collection's hold and our dma-buf. */
		EXPECT_EQ(2, jnum(_metadata, &bufs->v[i], "holders"));
	}
	run_free(&r);

	CTL_JSON(&r, "collection", u64s(self->id_c));
	check_coll(_metadata, jtyped(_metadata, &r.json, "collection", J_OBJ),
		   self->id_c, NAME_C, "failed", "no_heap", 1, 0, 0, "");
	nodes = jtyped(_metadata, &r.json, "nodes", J_ARR);
	ASSERT_EQ(1, nodes->n);
	check_node(_metadata, &nodes->v[0], 0, 0, "collection", "failed",
		   comm(_metadata), getpid(), NULL);
	EXPECT_EQ(0, jtyped(_metadata, &r.json, "buffers", J_ARR)->n);
	run_free(&r);
}

/* Holders of buffer @index of B, read through sysmemctl. */
static uint64_t holders(struct __test_metadata *_metadata, uint64_t id,
			unsigned int index)
{
	const struct jv *list;
	struct run r;
	uint64_t h;

	CTL_JSON(&r, "buffers", u64s(id));
	list = jtyped(_metadata, &r.json, "buffers", J_ARR);
	ASSERT_LT(index, list->n);
	h = jnum(_metadata, &list->v[index], "holders");
	run_free(&r);
	return h;
}

TEST_F(ctl, buffers_json)
{
	const struct jv *list, *b;
	struct run r;
	size_t i;

	/* All collections: only B has buffers. */
	CTL_JSON(&r, "buffers");
	jkeys(_metadata, &r.json, "buffers");
	list = jtyped(_metadata, &r.json, "buffers", J_ARR);
	ASSERT_EQ(NR_BUFS, list->n);
	for (i = 0; i < NR_BUFS; i++) {
		b = &list->v[i];
		jkeys(_metadata, b,
		      "collection,collection_name,index,heap,size,holders");
		EXPECT_EQ(self->id_b, jnum(_metadata, b, "collection"));
		EXPECT_STREQ(NAME_B, jstr(_metadata, b, "collection_name"));
		EXPECT_EQ(i, jnum(_metadata, b, "index"));
		EXPECT_STREQ("system", jstr(_metadata, b, "heap"));
		EXPECT_EQ(BUF_SIZE, jnum(_metadata, b, "size"));
		EXPECT_EQ(2, jnum(_metadata, b, "holders"));
	}
	run_free(&r);

	CTL_JSON(&r, "buffers", u64s(self->id_a));
	EXPECT_EQ(0, jtyped(_metadata, &r.json, "buffers", J_ARR)->n);
	run_free(&r);

	/*
	 * Closing our fds changes nothing: the collection keeps its
	 * read-write export while it has a strong node.
	 */
	for (i = 0; i < NR_BUFS; i++)
		close(self->bufs[i]);
	for (i = 0; i < NR_BUFS; i++)
		EXPECT_EQ(2, holders(_metadata, self->id_b, i));
}

/* The "system" heap object of "sysmemctl --json heaps". */
static void system_heap(struct __test_metadata *_metadata,
			struct sysmem_heap_stats *st)
{
	const struct jv *list, *h = NULL;
	struct run r;
	size_t i;

	CTL_JSON(&r, "heaps");
	jkeys(_metadata, &r.json, "heaps");
	list = jtyped(_metadata, &r.json, "heaps", J_ARR);
	for (i = 0; i < list->n; i++) {
		jkeys(_metadata, &list->v[i],
		      "name,buffers,bytes,peak,failures,max,registered");
		if (!strcmp(jstr(_metadata, &list->v[i], "name"), "system"))
			h = &list->v[i];
	}
	ASSERT_NE(NULL, h);
	st->buffers = jnum(_metadata, h, "buffers");
	st->bytes = jnum(_metadata, h, "bytes");
	st->peak = jnum(_metadata, h, "peak");
	st->failures = jnum(_metadata, h, "failures");
	st->max = jnum(_metadata, h, "max");
	st->unregistered = !jbool(_metadata, h, "registered");
	run_free(&r);
}

TEST_F(ctl, heaps_json)
{
	struct sysmem_heap_stats st, direct;
	int i;

	system_heap(_metadata, &st);
	EXPECT_EQ(self->sys0.buffers + NR_BUFS, st.buffers);
	EXPECT_EQ(self->sys0.bytes + NR_BUFS * BUF_SIZE, st.bytes);
	EXPECT_LE(st.bytes, st.peak);
	EXPECT_EQ(self->sys0.failures, st.failures);
	EXPECT_EQ(self->sys0.max, st.max);
	EXPECT_FALSE(st.unregistered);
	/* The same as the file says. */
	ASSERT_EQ(0, sysmem_read_heap_stats("system", &direct));
	EXPECT_EQ(direct.buffers, st.buffers);
	EXPECT_EQ(direct.bytes, st.bytes);
	EXPECT_EQ(direct.peak, st.peak);

	/* Everything of B gone: back to where it was. */
	for (i = 0; i < NR_BUFS; i++)
		close(self->bufs[i]);
	leave(self->coll_b);
	ASSERT_EQ(0, sysmem_heap_settle("system", self->sys0.buffers,
					SETTLE_MS, &direct));
	system_heap(_metadata, &st);
	EXPECT_EQ(self->sys0.buffers, st.buffers);
	EXPECT_EQ(self->sys0.bytes, st.bytes);
}

static void expect_error(struct __test_metadata *_metadata, struct run *r,
			 int status, const char *msg);

TEST_F(ctl, info_json)
{
	const struct jv *m, *d, *a, *o;
	int member_rc, member_parsed;
	struct sysmem_version v;
	char *member_err;
	struct stat sb;
	struct run r;

	ASSERT_EQ(0, sysmem_get_version(self->dev, &v));
	CTL_JSON(&r, "info");
	jkeys(_metadata, &r.json, "module,device,abi,objects");
	m = jtyped(_metadata, &r.json, "module", J_OBJ);
	jkeys(_metadata, m, "listed,proc_modules");
	if (jbool(_metadata, m, "listed"))
		EXPECT_EQ(0, strncmp("sysmem ",
				     jstr(_metadata, m, "proc_modules"), 7));
	d = jtyped(_metadata, &r.json, "device", J_OBJ);
	jkeys(_metadata, d, "path,major,minor,mode");
	EXPECT_STREQ("/dev/sysmem", jstr(_metadata, d, "path"));
	EXPECT_STREQ("0660", jstr(_metadata, d, "mode"));
	a = jtyped(_metadata, &r.json, "abi", J_OBJ);
	jkeys(_metadata, a, "major,minor,tool_major,tool_minor,compatible");
	EXPECT_EQ(v.major, jnum(_metadata, a, "major"));
	EXPECT_EQ(v.minor, jnum(_metadata, a, "minor"));
	EXPECT_EQ(SYSMEM_ABI_MAJOR, jnum(_metadata, a, "tool_major"));
	EXPECT_EQ(SYSMEM_ABI_MINOR, jnum(_metadata, a, "tool_minor"));
	EXPECT_TRUE(jbool(_metadata, a, "compatible"));
	o = jtyped(_metadata, &r.json, "objects", J_OBJ);
	EXPECT_EQ(3, jnum(_metadata, o, "collections"));
	EXPECT_EQ(NR_BUFS, jnum(_metadata, o, "buffers"));
	run_free(&r);

	/*
	 * Not root but in the device's group: the same, but no objects
	 * (debugfs is root's).  Outside the group: no device at all.
	 */
	ASSERT_EQ(0, stat("/dev/sysmem", &sb));
	ASSERT_EQ(0, chown("/dev/sysmem", -1, DEV_GROUP));
	CTL_TEXT(&r, AS_MEMBER, "--json", "info");
	member_rc = r.status;
	member_err = strdup(r.err);
	member_parsed = jparse(r.out, &r.json, &(const char *){ NULL });
	ASSERT_EQ(0, chown("/dev/sysmem", -1, sb.st_gid));
	EXPECT_EQ(0, member_rc);
	EXPECT_STREQ("", member_err);
	free(member_err);
	ASSERT_EQ(0, member_parsed);
	EXPECT_EQ(J_NULL, jtyped(_metadata, &r.json, "objects", J_NULL)->type);
	run_free(&r);
	CTL_TEXT(&r, AS_NOBODY, "--json", "info");
	expect_error(_metadata, &r, 1, "Permission denied");
}

TEST_F(ctl, human_tables)
{
	char root_id[24], d_id[24], w[16][96], pat[48];
	struct sysmem_heap_stats st;
	const struct jv *n;
	const char *p;
	struct run r, j;
	size_t tok, grp;
	int i;

	CTL_TEXT(&r, AS_ROOT, "collections");
	ASSERT_EQ(0, r.status);
	EXPECT_STREQ("", r.err);
	ROW(r.out, "ID", "NAME", "STATE", "REASON", "NODES", "BUFFERS",
	    "SIZE", "HEAP", "AGE_MS");
	/*
	 * The header comes first; the ids are right-aligned to the widest
	 * one, which earlier tests in the same boot can make any width.
	 */
	ASSERT_EQ(0, strncmp(r.out + strspn(r.out, " "), "ID ", 3));
	ASSERT_EQ(9, row(r.out, u64s(self->id_a), w, 16));
	EXPECT_STREQ(name_a_text, w[1]);
	EXPECT_STREQ("pending", w[2]);
	EXPECT_STREQ("-", w[3]);
	EXPECT_STREQ("4", w[4]);
	EXPECT_STREQ("0", w[5]);
	EXPECT_STREQ("0", w[6]);
	EXPECT_STREQ("-", w[7]);
	ASSERT_EQ(9, row(r.out, u64s(self->id_b), w, 16));
	EXPECT_STREQ(NAME_B, w[1]);
	EXPECT_STREQ("allocated", w[2]);
	EXPECT_STREQ("-", w[3]);
	EXPECT_STREQ("1", w[4]);
	EXPECT_STREQ(u64s(NR_BUFS), w[5]);
	EXPECT_STREQ(u64s(BUF_SIZE), w[6]);
	EXPECT_STREQ("system", w[7]);
	ASSERT_EQ(9, row(r.out, u64s(self->id_c), w, 16));
	EXPECT_STREQ("failed", w[2]);
	EXPECT_STREQ("no_heap", w[3]);
	run_free(&r);

	/* The tree, with node ids from the JSON of the same collection. */
	CTL_JSON(&j, "collection", u64s(self->id_a));
	n = jtyped(_metadata, &j.json, "nodes", J_ARR)->v;
	grp = strcmp(jstr(_metadata, &n[1], "kind"), "group") ? 2 : 1;
	tok = grp == 1 ? 3 : 1;
	snprintf(root_id, sizeof(root_id), "%s", u64s(jnum(_metadata, &n[0], "id")));
	snprintf(d_id, sizeof(d_id), "%s", u64s(jnum(_metadata, &n[tok], "id")));
	CTL_TEXT(&r, AS_ROOT, "collection", u64s(self->id_a));
	ASSERT_EQ(0, r.status);
	ROW(r.out, "name:", name_a_text);
	ROW(r.out, "state:", "pending");
	ROW(r.out, "nodes:", "4");
	ROW(r.out, root_id, "collection", "bound", u64s(getpid()),
	    dbg_root_text, "4242", "no_constraints");
	ROW(r.out, d_id, "token", "unbound", u64s(getpid()), "late-joiner",
	    "77", "unbound_token");
	ROW(r.out, u64s(jnum(_metadata, &n[grp], "id")), "group", "bound",
	    u64s(getpid()), "display", "7", "group_children");
	ROW(r.out, u64s(jnum(_metadata, &n[grp + 1], "id")), "token",
	    "unbound", u64s(getpid()), "display", "7", "unbound_token");
	/* Indented by depth. */
	snprintf(pat, sizeof(pat), "\n    %s token ",
		 u64s(jnum(_metadata, &n[grp + 1], "id")));
	EXPECT_NE(NULL, strstr(r.out, pat));
	snprintf(pat, sizeof(pat), "\n  %s token ", d_id);
	EXPECT_NE(NULL, strstr(r.out, pat));
	snprintf(pat, sizeof(pat), "\n%s collection ", root_id);
	EXPECT_NE(NULL, strstr(r.out, pat));
	run_free(&r);
	run_free(&j);

	CTL_TEXT(&r, AS_ROOT, "buffers", u64s(self->id_b));
	ASSERT_EQ(0, r.status);
	ROW(r.out, "COLLECTION", "NAME", "INDEX", "HEAP", "SIZE", "HOLDERS");
	p = r.out;
	for (i = 0; i < NR_BUFS; i++) {
		p = strchr(p, '\n');
		ASSERT_NE(NULL, p);
		p++;
		ASSERT_EQ(6, row(p, u64s(self->id_b), w, 16));
		EXPECT_STREQ(NAME_B, w[1]);
		EXPECT_STREQ(u64s(i), w[2]);
		EXPECT_STREQ("system", w[3]);
		EXPECT_STREQ(u64s(BUF_SIZE), w[4]);
		EXPECT_STREQ("2", w[5]);
	}
	/* The header and NR_BUFS rows, nothing else. */
	for (i = 0, p = r.out; (p = strchr(p, '\n')); p++)
		i++;
	EXPECT_EQ(NR_BUFS + 1, i);
	run_free(&r);

	CTL_TEXT(&r, AS_ROOT, "heaps");
	ASSERT_EQ(0, r.status);
	ROW(r.out, "HEAP", "BUFFERS", "BYTES", "PEAK", "FAILURES", "MAX",
	    "STATE");
	ASSERT_EQ(0, sysmem_read_heap_stats("system", &st));
	ASSERT_EQ(7, row(r.out, "system", w, 16));
	EXPECT_STREQ(u64s(self->sys0.buffers + NR_BUFS), w[1]);
	EXPECT_STREQ(u64s(self->sys0.bytes + NR_BUFS * BUF_SIZE), w[2]);
	EXPECT_STREQ(u64s(st.peak), w[3]);
	EXPECT_STREQ("registered", w[6]);
	run_free(&r);
}

/* A failed run: @status, nothing on stdout, @msg in the message. */
static void expect_error(struct __test_metadata *_metadata, struct run *r,
			 int status, const char *msg)
{
	EXPECT_EQ(status, r->status);
	EXPECT_STREQ("", r->out);
	EXPECT_EQ(0, strncmp(r->err, "sysmemctl: ", 11)) {
		TH_LOG("stderr: %s", r->err);
	}
	EXPECT_NE(NULL, strstr(r->err, msg)) {
		TH_LOG("stderr: %s", r->err);
	}
	run_free(r);
}

TEST_F(ctl, errors)
{
	char unknown[24];
	struct run r;

	snprintf(unknown, sizeof(unknown), "%s", u64s(self->id_c + 1000));
	CTL_TEXT(&r, AS_ROOT, "--json", "collection", unknown);
	expect_error(_metadata, &r, 1, "no such collection");
	CTL_TEXT(&r, AS_ROOT, "collection", unknown);
	expect_error(_metadata, &r, 1, "no such collection");
	CTL_TEXT(&r, AS_ROOT, "buffers", unknown);
	expect_error(_metadata, &r, 1, "no such collection");

	/* Usage errors. */
	CTL_TEXT(&r, AS_ROOT, "--json");
	expect_error(_metadata, &r, 2, "no command");
	CTL_TEXT(&r, AS_ROOT, "collection");
	expect_error(_metadata, &r, 2, "collection id");
	CTL_TEXT(&r, AS_ROOT, "collection", "12x");
	expect_error(_metadata, &r, 2, "not a collection id");
	CTL_TEXT(&r, AS_ROOT, "collection", "-1");
	expect_error(_metadata, &r, 2, "unknown option");
	CTL_TEXT(&r, AS_ROOT, "heaps", "1");
	expect_error(_metadata, &r, 2, "too many arguments");
	CTL_TEXT(&r, AS_ROOT, "bogus");
	expect_error(_metadata, &r, 2, "unknown command");
	CTL_TEXT(&r, AS_ROOT, "--frob", "heaps");
	expect_error(_metadata, &r, 2, "unknown option");
	CTL_TEXT(&r, AS_ROOT, "--help");
	EXPECT_EQ(0, r.status);
	EXPECT_EQ(0, strncmp(r.out, "usage: sysmemctl", 16));
	run_free(&r);

	/* Not root: debugfs says EACCES. */
	CTL_TEXT(&r, AS_NOBODY, "collections");
	expect_error(_metadata, &r, 1, "Permission denied");
	CTL_TEXT(&r, AS_NOBODY, "--json", "heaps");
	expect_error(_metadata, &r, 1, "readable by root only");

	/* No debugfs; no module. */
	CTL_TEXT(&r, NO_DEBUGFS, "collections");
	expect_error(_metadata, &r, 1, "debugfs is not mounted");
	CTL_TEXT(&r, NO_MODULE, "--json", "buffers");
	expect_error(_metadata, &r, 1, "the sysmem module is not loaded");
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * sysmemctl: inspect the sysmem module from the command line.
 *
 *   sysmemctl [--json] info               module, device node, ABI, objects
 *   sysmemctl [--json] heaps              heaps and their counters
 *   sysmemctl [--json] collections        every live collection
 *   sysmemctl [--json] collection ID      one collection's node tree
 *   sysmemctl [--json] buffers [ID]       buffers, of all or one collection
 *
 * Everything but "info" reads sysmem's debugfs files (root only).
 * Exit status: 0, 1 on errors (a message on stderr), 2 on usage errors.
 * Documentation/man/man8/sysmemctl.8 is the manual, JSON keys included.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <fcntl.h>
#include <unistd.h>
#include <linux/magic.h>

#include "libsysmem.h"
#include "sysmemctl_data.h"

#define DEBUGFS		"/sys/kernel/debug"
#define SYSMEM_DEBUGFS	DEBUGFS "/sysmem"
#define MODULE_DIR	"/sys/module/sysmem"

static const char *prog = "sysmemctl";
static bool json;

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s [--json] COMMAND\n"
		"commands:\n"
		"  info             module state, device node, ABI version, live objects\n"
		"  heaps            heaps: live buffers and bytes, peak, failures, cap\n"
		"  collections      every live collection\n"
		"  collection ID    one collection: its node tree and buffers\n"
		"  buffers [ID]     buffers of every collection, or of collection ID\n"
		"options:\n"
		"  -j, --json       print one JSON document (keys: sysmemctl(8))\n"
		"  -h, --help       print this help\n", prog);
}

static void __attribute__((format(printf, 1, 2))) error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static bool debugfs_mounted(void)
{
	struct statfs sfs;

	return !statfs(DEBUGFS, &sfs) && sfs.f_type == DEBUGFS_MAGIC;
}

/* Say why @path (a sysmem debugfs file) could not be read: errno @err. */
static int source_error(const char *path, int err)
{
	if (err == EACCES || err == EPERM) {
		error("%s: %s: sysmem's debugfs files are readable by root only",
		      path, strerror(err));
	} else if (err == ENOENT && !debugfs_mounted()) {
		error("debugfs is not mounted on %s (mount -t debugfs none %s)",
		      DEBUGFS, DEBUGFS);
	} else if (err == ENOENT && access(MODULE_DIR, F_OK)) {
		error("the sysmem module is not loaded (%s: %s)", MODULE_DIR,
		      strerror(errno));
	} else if (err == ENOENT) {
		error("%s: %s (a sysmem module older than this tool?)", path,
		      strerror(err));
	} else {
		error("%s: %s", path, strerror(err));
	}
	return 1;
}

/* Read all of @path into a NUL-terminated buffer.  0 or -errno. */
static int read_all(const char *path, char **out)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap), *p;
	ssize_t n;
	int fd, ret;

	if (!buf)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		goto free_buf;
	}
	for (;;) {
		if (cap - len < 2048) {
			p = realloc(buf, cap * 2);
			if (!p) {
				ret = -ENOMEM;
				goto close_fd;
			}
			buf = p;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			goto close_fd;
		}
		if (!n)
			break;
		len += n;
	}
	close(fd);
	buf[len] = '\0';
	if (strlen(buf) != len) {
		free(buf);
		return -EILSEQ;	/* a NUL byte: not a sysmem text file */
	}
	*out = buf;
	return 0;

close_fd:
	close(fd);
free_buf:
	free(buf);
	return ret;
}

enum source { SRC_HEAPS, SRC_OBJECTS, SRC_COLLECTIONS };

static const char *const source_name[] = {
	[SRC_HEAPS] = "heaps",
	[SRC_OBJECTS] = "objects",
	[SRC_COLLECTIONS] = "collections",
};

static char source_path[3][4096];

/* SYSMEMCTL_DEBUGFS names another directory to read (for tests). */
static void source_init(void)
{
	const char *dir = getenv("SYSMEMCTL_DEBUGFS");
	unsigned int i;

	if (!dir || !*dir)
		dir = SYSMEM_DEBUGFS;
	for (i = 0; i < 3; i++)
		snprintf(source_path[i], sizeof(source_path[i]), "%s/%s", dir,
			 source_name[i]);
}

/*
 * Read and parse one debugfs file into @out (a struct smc_heaps,
 * smc_objects or smc_colls).  0, or -errno with nothing said when
 * @quiet, else 1 with the message printed.
 */
static int load(enum source src, void *out, bool quiet)
{
	const char *path = source_path[src];
	struct smc_err err = { 0 };
	char *text = NULL;
	int ret;

	ret = read_all(path, &text);
	if (ret) {
		if (quiet)
			return ret;
		if (ret == -EILSEQ) {
			error("%s: unexpected NUL byte", path);
			return 1;
		}
		return source_error(path, -ret);
	}
	if (src == SRC_HEAPS)
		ret = smc_parse_heaps(text, out, &err);
	else if (src == SRC_OBJECTS)
		ret = smc_parse_objects(text, out, &err);
	else
		ret = smc_parse_collections(text, out, &err);
	free(text);
	if (ret && quiet)
		return ret;
	if (ret == -EINVAL)
		error("%s: line %u: cannot parse it: %s", path, err.line,
		      err.msg);
	else if (ret)
		error("%s: %s", path, strerror(-ret));
	return ret ? 1 : 0;
}

/* --- human tables --- */

struct table {
	unsigned int cols;
	const char *const *head;
	const bool *right;	/* right-aligned columns (numbers) */
	char **cell;		/* rows * cols strings */
	size_t *width;		/* display width of each cell */
	size_t rows, cells;
};

static void table_init(struct table *t, unsigned int cols,
		       const char *const *head, const bool *right)
{
	memset(t, 0, sizeof(*t));
	t->cols = cols;
	t->head = head;
	t->right = right;
}

static void oom(void)
{
	error("%s", strerror(ENOMEM));
	exit(1);
}

/* Cells in order, row by row; each is printf-formatted. */
static void __attribute__((format(printf, 2, 3)))
cell(struct table *t, const char *fmt, ...)
{
	size_t i = t->cells;
	va_list ap;
	char *s;
	int len;

	va_start(ap, fmt);
	len = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (len < 0)
		oom();
	t->cell = realloc(t->cell, (i + 1) * sizeof(*t->cell));
	t->width = realloc(t->width, (i + 1) * sizeof(*t->width));
	if (!t->cell || !t->width)
		oom();
	t->cell[i] = s;
	t->width[i] = len;
	t->cells++;
	t->rows = t->cells / t->cols;
}

/* A cell holding debugfs string bytes, escaped; "-" when empty. */
static void cell_str(struct table *t, const struct smc_str *str)
{
	char *s = NULL;
	size_t sz = 0;
	FILE *f;

	if (!str->len) {
		cell(t, "-");
		return;
	}
	f = open_memstream(&s, &sz);
	if (!f)
		oom();
	smc_text_str(f, str->s, str->len);
	if (fclose(f))
		oom();
	cell(t, "%s", s);
	free(s);
}

static void table_print(struct table *t)
{
	size_t *w = calloc(t->cols, sizeof(*w));
	unsigned int c;
	size_t r, len;

	if (!w)
		oom();
	for (c = 0; c < t->cols; c++)
		w[c] = strlen(t->head[c]);
	for (r = 0; r < t->rows; r++)
		for (c = 0; c < t->cols; c++)
			if (t->width[r * t->cols + c] > w[c])
				w[c] = t->width[r * t->cols + c];
	for (r = 0; r <= t->rows; r++) {
		for (c = 0; c < t->cols; c++) {
			const char *s = r ? t->cell[(r - 1) * t->cols + c] :
					t->head[c];
			bool last = c + 1 == t->cols;

			len = r ? t->width[(r - 1) * t->cols + c] : strlen(s);
			if (t->right[c])
				printf("%*s%s", (int)(w[c] - len), "", s);
			else if (last)
				printf("%s", s);
			else
				printf("%s%*s", s, (int)(w[c] - len), "");
			if (!last)
				fputs("  ", stdout);
		}
		putchar('\n');
	}
	for (r = 0; r < t->cells; r++)
		free(t->cell[r]);
	free(t->cell);
	free(t->width);
	free(w);
}

/* --- info --- */

/* @what on /dev/sysmem failed with errno @err: say so on stderr. */
static int dev_error(const char *what, int err)
{
	bool loaded = !access(MODULE_DIR, F_OK);

	error("%s%s%s: %s%s", SYSMEM_DEV_PATH, *what ? ": " : "", what,
	      strerror(err), loaded ? "" : " (the sysmem module is not loaded)");
	return 1;
}

static void objects_json(struct smc_json *j, const struct smc_objects *o)
{
	size_t i;

	smc_json_begin_obj(j, "objects");
	for (i = 0; i < o->n; i++)
		smc_json_i64(j, o->v[i].name, o->v[i].value);
	smc_json_end_obj(j);
}

static int cmd_info(void)
{
	struct smc_objects objs = { 0 };
	char line[256], *module = NULL;
	struct sysmem_version v;
	int fd, ret, objs_ret;
	struct smc_json j;
	struct stat st;
	FILE *f;

	f = fopen("/proc/modules", "re");
	while (f && fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "sysmem ", 7)) {
			line[strcspn(line, "\n")] = 0;
			module = line;
			break;
		}
	}
	if (f)
		fclose(f);
	if (!json) {
		if (module)
			printf("sysmem module:    loaded (%s)\n", module);
		else
			printf("sysmem module:    not in /proc/modules (built in, or not loaded)\n");
	}

	if (stat(SYSMEM_DEV_PATH, &st)) {
		ret = errno;
		if (!json)
			printf("device node:      %s: %s\n", SYSMEM_DEV_PATH,
			       strerror(ret));
		return dev_error("", ret);
	}
	if (!json)
		printf("device node:      %s, char %u:%u, mode %04o\n",
		       SYSMEM_DEV_PATH, major(st.st_rdev), minor(st.st_rdev),
		       st.st_mode & 07777);

	fd = sysmem_open();
	if (fd < 0) {
		if (!json)
			printf("open:             %s\n", strerror(-fd));
		return dev_error("open", -fd);
	}
	ret = sysmem_get_version(fd, &v);
	if (ret < 0) {
		if (!json)
			printf("ABI version:      %s\n", strerror(-ret));
		close(fd);
		return dev_error("version", -ret);
	}
	ret = sysmem_check_version(fd);
	close(fd);
	objs_ret = load(SRC_OBJECTS, &objs, true);

	if (!json) {
		printf("ABI version:      %u.%u (this tool was built for %u.%u: %s)\n",
		       v.major, v.minor, SYSMEM_ABI_MAJOR, SYSMEM_ABI_MINOR,
		       ret ? "incompatible" : "compatible");
		printf("live objects:     ");
		if (objs_ret) {
			printf("%s: %s\n", source_path[SRC_OBJECTS],
			       strerror(-objs_ret));
		} else {
			for (size_t i = 0; i < objs.n; i++)
				printf("%s%s %lld", i ? ", " : "",
				       objs.v[i].name,
				       (long long)objs.v[i].value);
			putchar('\n');
		}
		smc_objects_free(&objs);
		return 0;
	}

	smc_json_init(&j, stdout);
	smc_json_begin_obj(&j, NULL);
	smc_json_begin_obj(&j, "module");
	smc_json_bool(&j, "listed", module);
	if (module)
		smc_json_cstr(&j, "proc_modules", module);
	else
		smc_json_null(&j, "proc_modules");
	smc_json_end_obj(&j);
	smc_json_begin_obj(&j, "device");
	smc_json_cstr(&j, "path", SYSMEM_DEV_PATH);
	smc_json_u64(&j, "major", major(st.st_rdev));
	smc_json_u64(&j, "minor", minor(st.st_rdev));
	snprintf(line, sizeof(line), "%04o", st.st_mode & 07777);
	smc_json_cstr(&j, "mode", line);
	smc_json_end_obj(&j);
	smc_json_begin_obj(&j, "abi");
	smc_json_u64(&j, "major", v.major);
	smc_json_u64(&j, "minor", v.minor);
	smc_json_u64(&j, "tool_major", SYSMEM_ABI_MAJOR);
	smc_json_u64(&j, "tool_minor", SYSMEM_ABI_MINOR);
	smc_json_bool(&j, "compatible", !ret);
	smc_json_end_obj(&j);
	if (objs_ret)
		smc_json_null(&j, "objects");
	else
		objects_json(&j, &objs);
	smc_json_end_obj(&j);
	smc_objects_free(&objs);
	return 0;
}

/* --- heaps --- */

static int cmd_heaps(void)
{
	static const char *const head[] = {
		"HEAP", "BUFFERS", "BYTES", "PEAK", "FAILURES", "MAX", "STATE",
	};
	static const bool right[] = { 0, 1, 1, 1, 1, 1, 0 };
	struct smc_heaps h;
	struct smc_json j;
	struct table t;
	size_t i;

	if (load(SRC_HEAPS, &h, false))
		return 1;
	if (json) {
		smc_json_init(&j, stdout);
		smc_json_begin_obj(&j, NULL);
		smc_json_begin_arr(&j, "heaps");
		for (i = 0; i < h.n; i++) {
			smc_json_begin_obj(&j, NULL);
			smc_json_cstr(&j, "name", h.v[i].name);
			smc_json_u64(&j, "buffers", h.v[i].buffers);
			smc_json_u64(&j, "bytes", h.v[i].bytes);
			smc_json_u64(&j, "peak", h.v[i].peak);
			smc_json_u64(&j, "failures", h.v[i].failures);
			smc_json_u64(&j, "max", h.v[i].max);
			smc_json_bool(&j, "registered", h.v[i].registered);
			smc_json_end_obj(&j);
		}
		smc_json_end_arr(&j);
		smc_json_end_obj(&j);
	} else {
		table_init(&t, 7, head, right);
		for (i = 0; i < h.n; i++) {
			struct smc_heap *e = &h.v[i];

			cell(&t, "%s", e->name);
			cell(&t, "%llu", (unsigned long long)e->buffers);
			cell(&t, "%llu", (unsigned long long)e->bytes);
			cell(&t, "%llu", (unsigned long long)e->peak);
			cell(&t, "%llu", (unsigned long long)e->failures);
			if (e->max)
				cell(&t, "%llu", (unsigned long long)e->max);
			else
				cell(&t, "-");
			cell(&t, "%s", e->registered ? "registered" :
			     "unregistered");
		}
		table_print(&t);
	}
	smc_heaps_free(&h);
	return 0;
}

/* --- collections --- */

static void coll_json_fields(struct smc_json *j, const struct smc_coll *c)
{
	smc_json_u64(j, "id", c->id);
	smc_json_string(j, "name", c->name.s, c->name.len);
	smc_json_cstr(j, "state", c->state);
	smc_json_cstr(j, "reason", c->reason);
	smc_json_u64(j, "age_ms", c->age_ms);
	smc_json_u64(j, "nodes", c->nodes);
	smc_json_u64(j, "buffers", c->buffers);
	smc_json_u64(j, "size", c->size);
	smc_json_string(j, "heap", c->heap.s, c->heap.len);
}

static int cmd_collections(void)
{
	static const char *const head[] = {
		"ID", "NAME", "STATE", "REASON", "NODES", "BUFFERS", "SIZE",
		"HEAP", "AGE_MS",
	};
	static const bool right[] = { 1, 0, 0, 0, 1, 1, 1, 0, 1 };
	struct smc_colls cs;
	struct smc_json j;
	struct table t;
	size_t i;

	if (load(SRC_COLLECTIONS, &cs, false))
		return 1;
	if (json) {
		smc_json_init(&j, stdout);
		smc_json_begin_obj(&j, NULL);
		smc_json_begin_arr(&j, "collections");
		for (i = 0; i < cs.n; i++) {
			smc_json_begin_obj(&j, NULL);
			coll_json_fields(&j, &cs.v[i]);
			smc_json_end_obj(&j);
		}
		smc_json_end_arr(&j);
		smc_json_end_obj(&j);
	} else {
		table_init(&t, 9, head, right);
		for (i = 0; i < cs.n; i++) {
			struct smc_coll *c = &cs.v[i];

			cell(&t, "%llu", (unsigned long long)c->id);
			cell_str(&t, &c->name);
			cell(&t, "%s", c->state);
			cell(&t, "%s", strcmp(c->reason, "none") ?
			     c->reason : "-");
			cell(&t, "%llu", (unsigned long long)c->nodes);
			cell(&t, "%llu", (unsigned long long)c->buffers);
			cell(&t, "%llu", (unsigned long long)c->size);
			cell_str(&t, &c->heap);
			cell(&t, "%llu", (unsigned long long)c->age_ms);
		}
		table_print(&t);
	}
	smc_colls_free(&cs);
	return 0;
}

/* Write a comma-separated "missing" list as a JSON array of strings. */
static void missing_json(struct smc_json *j, const char *missing)
{
	const char *p = missing;
	size_t len;

	smc_json_begin_arr(j, "missing");
	while (strcmp(missing, "none") && *p) {
		len = strcspn(p, ",");
		smc_json_string(j, NULL, p, len);
		p += len;
		if (*p)
			p++;
	}
	smc_json_end_arr(j);
}

static void buffers_json(struct smc_json *j, const struct smc_coll *c,
			 bool with_coll)
{
	size_t i;

	for (i = 0; i < c->nr_bufs; i++) {
		const struct smc_buffer *b = &c->buf[i];

		smc_json_begin_obj(j, NULL);
		if (with_coll) {
			smc_json_u64(j, "collection", c->id);
			smc_json_string(j, "collection_name", c->name.s,
					c->name.len);
		}
		smc_json_u64(j, "index", b->index);
		smc_json_string(j, "heap", b->heap.s, b->heap.len);
		smc_json_u64(j, "size", b->size);
		smc_json_u64(j, "holders", b->holders);
		smc_json_end_obj(j);
	}
}

static void buffer_rows(struct table *t, const struct smc_coll *c,
			bool with_coll)
{
	size_t i;

	for (i = 0; i < c->nr_bufs; i++) {
		const struct smc_buffer *b = &c->buf[i];

		if (with_coll) {
			cell(t, "%llu", (unsigned long long)c->id);
			cell_str(t, &c->name);
		}
		cell(t, "%llu", (unsigned long long)b->index);
		cell_str(t, &b->heap);
		cell(t, "%llu", (unsigned long long)b->size);
		cell(t, "%llu", (unsigned long long)b->holders);
	}
}

static void coll_text(const struct smc_coll *c)
{
	static const char *const head[] = {
		"NODE", "STATE", "PID", "DEBUG_NAME", "DEBUG_ID", "MISSING",
	};
	static const bool right[] = { 0, 0, 1, 0, 1, 0 };
	static const char *const bhead[] = {
		"INDEX", "HEAP", "SIZE", "HOLDERS",
	};
	static const bool bright[] = { 1, 0, 1, 1 };
	struct table t;
	size_t i;

	printf("collection %llu\n", (unsigned long long)c->id);
	printf("  name:     ");
	if (c->name.len)
		smc_text_str(stdout, c->name.s, c->name.len);
	else
		putchar('-');
	printf("\n  state:    %s", c->state);
	if (strcmp(c->reason, "none"))
		printf(" (%s)", c->reason);
	printf("\n  age:      %llu ms\n", (unsigned long long)c->age_ms);
	printf("  nodes:    %llu\n", (unsigned long long)c->nodes);
	printf("  buffers:  %llu x %llu bytes, heap ",
	       (unsigned long long)c->buffers, (unsigned long long)c->size);
	if (c->heap.len)
		smc_text_str(stdout, c->heap.s, c->heap.len);
	else
		putchar('-');
	printf("\n\n");

	table_init(&t, 6, head, right);
	for (i = 0; i < c->nr_nodes; i++) {
		const struct smc_node *n = &c->node[i];

		cell(&t, "%*s%llu %s", (int)(2 * n->depth), "",
		     (unsigned long long)n->id, n->kind);
		cell(&t, "%s", n->state);
		cell(&t, "%llu", (unsigned long long)n->pid);
		cell_str(&t, &n->debug_name);
		cell(&t, "%llu", (unsigned long long)n->debug_id);
		cell(&t, "%s", strcmp(n->missing, "none") ? n->missing : "-");
	}
	table_print(&t);
	if (!c->nr_bufs)
		return;
	putchar('\n');
	table_init(&t, 4, bhead, bright);
	buffer_rows(&t, c, false);
	table_print(&t);
}

/* Strict decimal collection id; false when @s is not one. */
static bool parse_id(const char *s, uint64_t *id)
{
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	*id = strtoull(s, &end, 10);
	return !errno && !*end;
}

static int cmd_collection(uint64_t id)
{
	const struct smc_coll *c;
	struct smc_colls cs;
	struct smc_json j;
	size_t i;

	if (load(SRC_COLLECTIONS, &cs, false))
		return 1;
	c = smc_coll_find(&cs, id);
	if (!c) {
		error("collection %llu: no such collection",
		      (unsigned long long)id);
		smc_colls_free(&cs);
		return 1;
	}
	if (!json) {
		coll_text(c);
		smc_colls_free(&cs);
		return 0;
	}
	smc_json_init(&j, stdout);
	smc_json_begin_obj(&j, NULL);
	smc_json_begin_obj(&j, "collection");
	coll_json_fields(&j, c);
	smc_json_end_obj(&j);
	smc_json_begin_arr(&j, "nodes");
	for (i = 0; i < c->nr_nodes; i++) {
		const struct smc_node *n = &c->node[i];

		smc_json_begin_obj(&j, NULL);
		smc_json_u64(&j, "id", n->id);
		smc_json_u64(&j, "parent", n->parent);
		smc_json_u64(&j, "depth", n->depth);
		smc_json_cstr(&j, "kind", n->kind);
		smc_json_cstr(&j, "state", n->state);
		smc_json_string(&j, "debug_name", n->debug_name.s,
				n->debug_name.len);
		smc_json_u64(&j, "debug_id", n->debug_id);
		smc_json_u64(&j, "pid", n->pid);
		missing_json(&j, n->missing);
		smc_json_end_obj(&j);
	}
	smc_json_end_arr(&j);
	smc_json_begin_arr(&j, "buffers");
	buffers_json(&j, c, false);
	smc_json_end_arr(&j);
	smc_json_end_obj(&j);
	smc_colls_free(&cs);
	return 0;
}

static int cmd_buffers(bool one, uint64_t id)
{
	static const char *const head[] = {
		"COLLECTION", "NAME", "INDEX", "HEAP", "SIZE", "HOLDERS",
	};
	static const bool right[] = { 1, 0, 1, 0, 1, 1 };
	struct smc_colls cs;
	struct smc_json j;
	struct table t;
	size_t i;

	if (load(SRC_COLLECTIONS, &cs, false))
		return 1;
	if (one && !smc_coll_find(&cs, id)) {
		error("collection %llu: no such collection",
		      (unsigned long long)id);
		smc_colls_free(&cs);
		return 1;
	}
	if (json) {
		smc_json_init(&j, stdout);
		smc_json_begin_obj(&j, NULL);
		smc_json_begin_arr(&j, "buffers");
	} else {
		table_init(&t, 6, head, right);
	}
	for (i = 0; i < cs.n; i++) {
		if (one && cs.v[i].id != id)
			continue;
		if (json)
			buffers_json(&j, &cs.v[i], true);
		else
			buffer_rows(&t, &cs.v[i], true);
	}
	if (json) {
		smc_json_end_arr(&j);
		smc_json_end_obj(&j);
	} else {
		table_print(&t);
	}
	smc_colls_free(&cs);
	return 0;
}

int main(int argc, char **argv)
{
	const char *pos[3];
	unsigned int npos = 0;
	uint64_t id = 0;
	int i, ret;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-j") || !strcmp(a, "--json")) {
			json = true;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (a[0] == '-' && a[1]) {
			error("unknown option: %s", a);
			goto bad_usage;
		} else if (npos < 3) {
			pos[npos++] = a;
		} else {
			goto too_many;
		}
	}
	source_init();
	if (!npos) {
		error("no command");
		goto bad_usage;
	}
	if (npos == 3)
		goto too_many;
	if (npos == 2 && !parse_id(pos[1], &id)) {
		error("%s: not a collection id", pos[1]);
		goto bad_usage;
	}

	if (!strcmp(pos[0], "info") && npos == 1)
		ret = cmd_info();
	else if (!strcmp(pos[0], "heaps") && npos == 1)
		ret = cmd_heaps();
	else if (!strcmp(pos[0], "collections") && npos == 1)
		ret = cmd_collections();
	else if (!strcmp(pos[0], "collection") && npos == 2)
		ret = cmd_collection(id);
	else if (!strcmp(pos[0], "buffers"))
		ret = cmd_buffers(npos == 2, id);
	else if (!strcmp(pos[0], "collection"))
		goto missing_id;
	else if (!strcmp(pos[0], "info") || !strcmp(pos[0], "heaps") ||
		 !strcmp(pos[0], "collections"))
		goto too_many;
	else
		goto unknown;
	if (fflush(stdout) || ferror(stdout)) {
		error("writing the output: %s", strerror(errno));
		return 1;
	}
	return ret;

unknown:
	error("unknown command: %s", pos[0]);
	goto bad_usage;
missing_id:
	error("collection: which one? (a collection id)");
	goto bad_usage;
too_many:
	error("too many arguments");
bad_usage:
	fprintf(stderr, "Try '%s --help'.\n", prog);
	return 2;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * sysmemctl: parsers of the sysmem debugfs files and the JSON and text
 * writers.  The formats:
 *
 *   heaps:        NAME buffers=N bytes=N peak=N failures=N max=N[ unregistered]
 *   objects:      NAME N
 *   collections:  WORD key=value ...   (the records "collection", "node"
 *                 and "buffer"; strings in double quotes with every byte
 *                 outside 0x20..0x7e, '"' and '\' as \ooo)
 *
 * Fields are looked up by key, so a field added at the end of a line by
 * a later module is skipped; so is a record word this code does not know.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sysmemctl_data.h"

/* Fields of one line at most; more are tokenised, checked and dropped. */
#define SMC_MAX_FIELDS	32

struct smc_field {
	const char *key;	/* into the line copy, NUL-terminated */
	char *bare;		/* the value when not quoted */
	struct smc_str str;	/* the value when quoted */
	bool quoted;
};

struct smc_line {
	char *word;
	struct smc_field f[SMC_MAX_FIELDS];
	unsigned int n;
};

static void smc_set_err(struct smc_err *err, unsigned int line,
			const char *fmt, ...)
{
	va_list ap;

	err->line = line;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

static int odigit(char c)
{
	return c >= '0' && c <= '7';
}

int smc_decode_str(const char *p, const char **end, struct smc_str *out)
{
	const char *q;
	size_t n = 0;
	char *s;

	out->s = NULL;
	out->len = 0;
	if (*p != '"')
		return -EINVAL;
	/* First pass: check and measure. */
	for (q = p + 1; *q != '"'; n++) {
		unsigned char c = *q;

		if (c == '\\') {
			if (!odigit(q[1]) || !odigit(q[2]) || !odigit(q[3]) ||
			    q[1] > '3')
				return -EINVAL;
			q += 4;
		} else if (c >= 0x20 && c <= 0x7e) {
			q++;
		} else {
			return -EINVAL;	/* also the NUL of an open string */
		}
	}
	s = malloc(n + 1);
	if (!s)
		return -ENOMEM;
	n = 0;
	for (q = p + 1; *q != '"'; n++) {
		if (*q == '\\') {
			s[n] = (char)((q[1] - '0') << 6 | (q[2] - '0') << 3 |
				      (q[3] - '0'));
			q += 4;
		} else {
			s[n] = *q++;
		}
	}
	s[n] = '\0';
	out->s = s;
	out->len = n;
	*end = q + 1;
	return 0;
}

static void smc_line_free(struct smc_line *l)
{
	unsigned int i;

	for (i = 0; i < l->n; i++)
		free(l->f[i].str.s);
	l->n = 0;
}

/*
 * Split @buf (one line, no newline, modified in place) into its record
 * word and key=value fields.  Returns 0 or -EINVAL / -ENOMEM.
 */
static int smc_split(char *buf, struct smc_line *l, const char **why)
{
	char *p = buf;
	int ret;

	l->n = 0;
	l->word = p;
	p += strcspn(p, " ");
	if (p == buf) {
		*why = "no record word";
		return -EINVAL;
	}
	if (*p)
		*p++ = '\0';
	while (*p) {
		struct smc_field tmp = { 0 }, *f;
		char *key = p;
		const char *end;

		f = l->n < SMC_MAX_FIELDS ? &l->f[l->n] : &tmp;
		memset(f, 0, sizeof(*f));
		p += strcspn(p, "= \"");
		if (*p != '=' || p == key) {
			*why = "a field is not key=value";
			return -EINVAL;
		}
		*p++ = '\0';
		f->key = key;
		if (*p == '"') {
			ret = smc_decode_str(p, &end, &f->str);
			if (ret) {
				*why = "a bad string";
				return ret;
			}
			f->quoted = true;
			p = (char *)end;
		} else {
			f->bare = p;
			p += strcspn(p, " \"");
			if (*p == '"' || p == f->bare) {
				*why = "a bad value";
				return -EINVAL;
			}
			f->quoted = false;
		}
		if (f == &tmp)
			free(tmp.str.s);
		else
			l->n++;
		if (*p == ' ') {
			*p++ = '\0';
			if (!*p) {
				*why = "a trailing space";
				return -EINVAL;
			}
		} else if (*p) {
			*why = "no space between fields";
			return -EINVAL;
		}
	}
	return 0;
}

static struct smc_field *smc_get(struct smc_line *l, const char *key)
{
	unsigned int i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->f[i].key, key))
			return &l->f[i];
	return NULL;
}

/* Strict unsigned decimal: digits only, no sign, no overflow. */
static int smc_u64(const char *s, uint64_t *v)
{
	uint64_t x = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		if (x > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return -EINVAL;
		x = x * 10 + (uint64_t)(*s - '0');
	}
	*v = x;
	return 0;
}

/* Fields by key; every getter sets *why and returns -EINVAL on error. */
static int get_u64(struct smc_line *l, const char *key, uint64_t *v,
		   const char **why)
{
	struct smc_field *f = smc_get(l, key);

	if (!f || f->quoted || smc_u64(f->bare, v)) {
		*why = key;
		return -EINVAL;
	}
	return 0;
}

static int get_word(struct smc_line *l, const char *key, char **v,
		    const char **why)
{
	struct smc_field *f = smc_get(l, key);

	if (!f || f->quoted) {
		*why = key;
		return -EINVAL;
	}
	*v = strdup(f->bare);
	return *v ? 0 : -ENOMEM;
}

/* Moves the decoded string out of the line. */
static int get_str(struct smc_line *l, const char *key, struct smc_str *v,
		   const char **why)
{
	struct smc_field *f = smc_get(l, key);

	if (!f || !f->quoted) {
		*why = key;
		return -EINVAL;
	}
	*v = f->str;
	f->str.s = NULL;
	f->str.len = 0;
	return 0;
}

/* Grow an array of @size-byte elements by one; NULL when out of memory. */
static void *smc_push(void **v, size_t *n, size_t size)
{
	void *p = realloc(*v, (*n + 1) * size);

	if (!p)
		return NULL;
	*v = p;
	memset((char *)p + *n * size, 0, size);
	return (char *)p + (*n)++ * size;
}

/*
 * Call @fn for each line of @text with a writable copy.  Empty lines are
 * errors (no file of sysmem writes them); a missing final newline is not.
 */
static int smc_each_line(const char *text, struct smc_err *err,
			 int (*fn)(char *line, void *ctx, const char **why),
			 void *ctx)
{
	unsigned int nr = 0;
	const char *why;
	char *buf;
	size_t len;
	int ret;

	while (*text) {
		nr++;
		len = strcspn(text, "\n");
		buf = strndup(text, len);
		if (!buf)
			return -ENOMEM;
		why = "an empty line";
		ret = len ? fn(buf, ctx, &why) : -EINVAL;
		free(buf);
		if (ret == -EINVAL)
			smc_set_err(err, nr, "%s", why);
		if (ret)
			return ret;
		text += len;
		if (*text)
			text++;
	}
	return 0;
}

void smc_heaps_free(struct smc_heaps *h)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		free(h->v[i].name);
	free(h->v);
	h->v = NULL;
	h->n = 0;
}

/*
 * "NAME buffers=N bytes=N peak=N failures=N max=N[ unregistered]": the
 * one bare word is a flag; key=value pairs and bare words this code
 * does not know are skipped.
 */
static int smc_heap_line(char *buf, void *ctx, const char **why)
{
	static const char *const keys[] = {
		"buffers", "bytes", "peak", "failures", "max",
	};
	struct smc_heaps *h = ctx;
	unsigned int seen = 0, i;
	struct smc_heap *e;
	char *tok, *save;
	uint64_t *dst[5];

	e = smc_push((void **)&h->v, &h->n, sizeof(*e));
	if (!e)
		return -ENOMEM;
	dst[0] = &e->buffers;
	dst[1] = &e->bytes;
	dst[2] = &e->peak;
	dst[3] = &e->failures;
	dst[4] = &e->max;
	e->registered = true;
	if (buf[0] == ' ' || buf[strlen(buf) - 1] == ' ' || strstr(buf, "  ")) {
		*why = "stray spaces";
		return -EINVAL;
	}
	tok = strtok_r(buf, " ", &save);
	if (!tok || strchr(tok, '=')) {
		*why = "no heap name";
		return -EINVAL;
	}
	e->name = strdup(tok);
	if (!e->name)
		return -ENOMEM;
	while ((tok = strtok_r(NULL, " ", &save))) {
		char *eq = strchr(tok, '=');

		if (!eq) {
			if (!strcmp(tok, "unregistered"))
				e->registered = false;
			continue;
		}
		*eq = '\0';
		for (i = 0; i < 5; i++) {
			if (strcmp(tok, keys[i]))
				continue;
			if (smc_u64(eq + 1, dst[i])) {
				*why = keys[i];
				return -EINVAL;
			}
			seen |= 1U << i;
		}
	}
	for (i = 0; i < 5; i++) {
		if (!(seen & 1U << i)) {
			*why = keys[i];
			return -EINVAL;
		}
	}
	return 0;
}

int smc_parse_heaps(const char *text, struct smc_heaps *out,
		    struct smc_err *err)
{
	int ret;

	out->v = NULL;
	out->n = 0;
	ret = smc_each_line(text, err, smc_heap_line, out);
	if (ret)
		smc_heaps_free(out);
	return ret;
}

void smc_objects_free(struct smc_objects *o)
{
	size_t i;

	for (i = 0; i < o->n; i++)
		free(o->v[i].name);
	free(o->v);
	o->v = NULL;
	o->n = 0;
}

/* "NAME N", N signed (a counter that went wrong shows as negative). */
static int smc_object_line(char *buf, void *ctx, const char **why)
{
	struct smc_objects *o = ctx;
	struct smc_counter *c;
	char *sp = strchr(buf, ' ');
	uint64_t v;
	bool neg;

	*why = "not \"name value\"";
	if (!sp || sp == buf)
		return -EINVAL;
	*sp++ = '\0';
	neg = *sp == '-';
	if (smc_u64(sp + neg, &v) || v > (uint64_t)INT64_MAX)
		return -EINVAL;
	c = smc_push((void **)&o->v, &o->n, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->value = neg ? -(int64_t)v : (int64_t)v;
	c->name = strdup(buf);
	return c->name ? 0 : -ENOMEM;
}

int smc_parse_objects(const char *text, struct smc_objects *out,
		      struct smc_err *err)
{
	int ret;

	out->v = NULL;
	out->n = 0;
	ret = smc_each_line(text, err, smc_object_line, out);
	if (ret)
		smc_objects_free(out);
	return ret;
}

static void smc_coll_free(struct smc_coll *c)
{
	size_t i;

	free(c->name.s);
	free(c->state);
	free(c->reason);
	free(c->heap.s);
	for (i = 0; i < c->nr_nodes; i++) {
		free(c->node[i].kind);
		free(c->node[i].state);
		free(c->node[i].debug_name.s);
		free(c->node[i].missing);
	}
	free(c->node);
	for (i = 0; i < c->nr_bufs; i++)
		free(c->buf[i].heap.s);
	free(c->buf);
}

void smc_colls_free(struct smc_colls *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		smc_coll_free(&c->v[i]);
	free(c->v);
	c->v = NULL;
	c->n = 0;
}

const struct smc_coll *smc_coll_find(const struct smc_colls *c, uint64_t id)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (c->v[i].id == id)
			return &c->v[i];
	return NULL;
}

static int smc_coll_rec(struct smc_line *l, struct smc_colls *cs,
			const char **why)
{
	struct smc_coll *c;
	uint64_t id;
	int ret;

	ret = get_u64(l, "id", &id, why);
	if (ret)
		return ret;
	if (smc_coll_find(cs, id)) {
		*why = "a collection listed twice";
		return -EINVAL;
	}
	c = smc_push((void **)&cs->v, &cs->n, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->id = id;
	return get_str(l, "name", &c->name, why) ?:
	       get_word(l, "state", &c->state, why) ?:
	       get_word(l, "reason", &c->reason, why) ?:
	       get_u64(l, "age_ms", &c->age_ms, why) ?:
	       get_u64(l, "nodes", &c->nodes, why) ?:
	       get_u64(l, "buffers", &c->buffers, why) ?:
	       get_u64(l, "size", &c->size, why) ?:
	       get_str(l, "heap", &c->heap, why);
}

/* The collection a node or buffer record names: the one just listed. */
static struct smc_coll *smc_owner(struct smc_line *l, struct smc_colls *cs,
				  const char **why)
{
	uint64_t id;

	if (get_u64(l, "coll", &id, why))
		return NULL;
	if (!cs->n || cs->v[cs->n - 1].id != id) {
		*why = "a record outside its collection";
		return NULL;
	}
	return &cs->v[cs->n - 1];
}

static int smc_node_rec(struct smc_line *l, struct smc_colls *cs,
			const char **why)
{
	struct smc_coll *c = smc_owner(l, cs, why);
	struct smc_node *n;
	size_t i;
	int ret;

	if (!c)
		return -EINVAL;
	if (c->nr_bufs) {
		*why = "a node after the buffers";
		return -EINVAL;
	}
	n = smc_push((void **)&c->node, &c->nr_nodes, sizeof(*n));
	if (!n)
		return -ENOMEM;
	ret = get_u64(l, "id", &n->id, why) ?:
	      get_u64(l, "parent", &n->parent, why) ?:
	      get_word(l, "kind", &n->kind, why) ?:
	      get_word(l, "state", &n->state, why) ?:
	      get_str(l, "debug_name", &n->debug_name, why) ?:
	      get_u64(l, "debug_id", &n->debug_id, why) ?:
	      get_u64(l, "pid", &n->pid, why) ?:
	      get_word(l, "missing", &n->missing, why);
	if (ret)
		return ret;
	if (!n->id) {
		*why = "node id 0";
		return -EINVAL;
	}
	for (i = 0; i + 1 < c->nr_nodes; i++) {
		if (c->node[i].id == n->id) {
			*why = "a node listed twice";
			return -EINVAL;
		}
	}
	if (!n->parent)
		return 0;
	/* Pre-order: the parent came before. */
	for (i = 0; i + 1 < c->nr_nodes; i++) {
		if (c->node[i].id == n->parent) {
			n->depth = c->node[i].depth + 1;
			return 0;
		}
	}
	*why = "a node before its parent";
	return -EINVAL;
}

static int smc_buffer_rec(struct smc_line *l, struct smc_colls *cs,
			  const char **why)
{
	struct smc_coll *c = smc_owner(l, cs, why);
	struct smc_buffer *b;

	if (!c)
		return -EINVAL;
	b = smc_push((void **)&c->buf, &c->nr_bufs, sizeof(*b));
	if (!b)
		return -ENOMEM;
	return get_u64(l, "index", &b->index, why) ?:
	       get_str(l, "heap", &b->heap, why) ?:
	       get_u64(l, "size", &b->size, why) ?:
	       get_u64(l, "holders", &b->holders, why);
}

static int smc_coll_line(char *buf, void *ctx, const char **why)
{
	struct smc_colls *cs = ctx;
	struct smc_line l;
	int ret;

	ret = smc_split(buf, &l, why);
	if (ret)
		goto out;
	if (!strcmp(l.word, "collection"))
		ret = smc_coll_rec(&l, cs, why);
	else if (!strcmp(l.word, "node"))
		ret = smc_node_rec(&l, cs, why);
	else if (!strcmp(l.word, "buffer"))
		ret = smc_buffer_rec(&l, cs, why);
out:
	smc_line_free(&l);
	return ret;
}

int smc_parse_collections(const char *text, struct smc_colls *out,
			  struct smc_err *err)
{
	int ret;

	out->v = NULL;
	out->n = 0;
	ret = smc_each_line(text, err, smc_coll_line, out);
	if (ret)
		smc_colls_free(out);
	return ret;
}

/* Length of the valid UTF-8 sequence at @s (at most @len bytes), or 0. */
static size_t smc_utf8_len(const unsigned char *s, size_t len)
{
	size_t n, i;
	uint32_t cp;

	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;
	n = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
	if (len < n)
		return 0;
	cp = s[0] & (0x7f >> n);
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and past U+10FFFF are not UTF-8. */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

/*
 * JSON strings are Unicode: valid UTF-8 goes through as is, and each
 * byte that is not part of valid UTF-8 becomes the code point of the
 * same value (\u0080..\u00ff), as the man page says.
 */
void smc_json_str(FILE *f, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;

	fputc('"', f);
	while (i < len) {
		unsigned char c = p[i];

		if (c == '"' || c == '\\') {
			fprintf(f, "\\%c", c);
		} else if (c == '\n') {
			fputs("\\n", f);
		} else if (c == '\t') {
			fputs("\\t", f);
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(f, "\\u%04x", c);
		} else if (c < 0x80) {
			fputc(c, f);
		} else {
			n = smc_utf8_len(p + i, len - i);
			if (n) {
				fwrite(p + i, 1, n, f);
				i += n;
				continue;
			}
			fprintf(f, "\\u%04x", c);
		}
		i++;
	}
	fputc('"', f);
}

size_t smc_text_width(const char *s, size_t len)
{
	size_t i, w = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = s[i];

		w += c < 0x20 || c > 0x7e || c == '\\' ? 4 : 1;
	}
	return w;
}

size_t smc_text_str(FILE *f, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = s[i];

		if (c < 0x20 || c > 0x7e || c == '\\')
			fprintf(f, "\\%03o", c);
		else
			fputc(c, f);
	}
	return smc_text_width(s, len);
}

void smc_json_init(struct smc_json *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	j->first = true;
}

static void smc_json_key(struct smc_json *j, const char *key)
{
	if (j->depth) {
		fputs(j->first ? "\n" : ",\n", j->f);
		fprintf(j->f, "%*s", (int)(2 * j->depth), "");
	}
	j->first = false;
	if (key) {
		smc_json_str(j->f, key, strlen(key));
		fputs(": ", j->f);
	}
}

static void smc_json_begin(struct smc_json *j, const char *key, char c)
{
	smc_json_key(j, key);
	fputc(c, j->f);
	j->depth++;
	j->first = true;
}

static void smc_json_end(struct smc_json *j, char c)
{
	bool empty = j->first;

	j->depth--;
	if (!empty)
		fprintf(j->f, "\n%*s", (int)(2 * j->depth), "");
	fputc(c, j->f);
	j->first = false;
	if (!j->depth)
		fputc('\n', j->f);
}

void smc_json_begin_obj(struct smc_json *j, const char *key)
{
	smc_json_begin(j, key, '{');
}

void smc_json_begin_arr(struct smc_json *j, const char *key)
{
	smc_json_begin(j, key, '[');
}

void smc_json_end_obj(struct smc_json *j)
{
	smc_json_end(j, '}');
}

void smc_json_end_arr(struct smc_json *j)
{
	smc_json_end(j, ']');
}

void smc_json_u64(struct smc_json *j, const char *key, uint64_t v)
{
	smc_json_key(j, key);
	fprintf(j->f, "%llu", (unsigned long long)v);
}

void smc_json_i64(struct smc_json *j, const char *key, int64_t v)
{
	smc_json_key(j, key);
	fprintf(j->f, "%lld", (long long)v);
}

void smc_json_bool(struct smc_json *j, const char *key, bool v)
{
	smc_json_key(j, key);
	fputs(v ? "true" : "false", j->f);
}

void smc_json_null(struct smc_json *j, const char *key)
{
	smc_json_key(j, key);
	fputs("null", j->f);
}

void smc_json_string(struct smc_json *j, const char *key, const char *s,
		     size_t len)
{
	smc_json_key(j, key);
	smc_json_str(j->f, s, len);
}

void smc_json_cstr(struct smc_json *j, const char *key, const char *s)
{
	smc_json_string(j, key, s, strlen(s));
}

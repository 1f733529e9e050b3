/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sysmemctl: parsers of the sysmem debugfs files (heaps, objects and
 * collections) and the writers of what they hold (JSON and escaped
 * text).  No I/O besides the FILE * the writers are given, so the host
 * unit tests run them on fixture text.
 */
#ifndef SYSMEMCTL_DATA_H
#define SYSMEMCTL_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Bytes decoded from a debugfs string: may hold any byte, even NUL. */
struct smc_str {
	char *s;		/* len bytes and a NUL */
	size_t len;
};

/* One line of the heaps file. */
struct smc_heap {
	char *name;
	uint64_t buffers, bytes, peak, failures, max;
	bool registered;
};

struct smc_heaps {
	struct smc_heap *v;
	size_t n;
};

/* One line of the objects file: a counter name and its value. */
struct smc_counter {
	char *name;
	int64_t value;
};

struct smc_objects {
	struct smc_counter *v;
	size_t n;
};

/* A "node" record of the collections file. */
struct smc_node {
	uint64_t id, parent;
	char *kind, *state;
	struct smc_str debug_name;
	uint64_t debug_id, pid;
	char *missing;		/* "none" or a comma-separated list */
	unsigned int depth;	/* 0 for the root; from parent links */
};

/* A "buffer" record of the collections file. */
struct smc_buffer {
	uint64_t index;
	struct smc_str heap;
	uint64_t size, holders;
};

/* A "collection" record and the records that follow it. */
struct smc_coll {
	uint64_t id;
	struct smc_str name;
	char *state, *reason;
	uint64_t age_ms, nodes, buffers, size;
	struct smc_str heap;
	struct smc_node *node;
	size_t nr_nodes;
	struct smc_buffer *buf;
	size_t nr_bufs;
};

struct smc_colls {
	struct smc_coll *v;
	size_t n;
};

/* Where a parser stopped: the 1-based line and what was wrong. */
struct smc_err {
	unsigned int line;
	char msg[160];
};

/*
 * The parsers take the whole file as a NUL-terminated string and fill
 * the result; 0, or -EINVAL with *err saying why (the result is then
 * freed and empty), or -ENOMEM.  Unknown trailing fields and, in the
 * collections file, unknown record words are ignored.
 */
int smc_parse_heaps(const char *text, struct smc_heaps *out,
		    struct smc_err *err);
int smc_parse_objects(const char *text, struct smc_objects *out,
		      struct smc_err *err);
int smc_parse_collections(const char *text, struct smc_colls *out,
			  struct smc_err *err);

void smc_heaps_free(struct smc_heaps *h);
void smc_objects_free(struct smc_objects *o);
void smc_colls_free(struct smc_colls *c);

const struct smc_coll *smc_coll_find(const struct smc_colls *c, uint64_t id);

/*
 * Decode one debugfs string: @p points at the opening quote.  On
 * success *end points just past the closing quote.  Returns 0 or
 * -EINVAL (no quotes, a bad escape, a raw byte that should have been
 * escaped), -ENOMEM.
 */
int smc_decode_str(const char *p, const char **end, struct smc_str *out);

/* Write @len bytes as a JSON string, quotes included. */
void smc_json_str(FILE *f, const char *s, size_t len);

/*
 * Write @len bytes for a terminal: printable ASCII as is, every other
 * byte and the backslash as \ooo.  Returns the number of columns.
 */
size_t smc_text_str(FILE *f, const char *s, size_t len);

/* Columns smc_text_str() would use. */
size_t smc_text_width(const char *s, size_t len);

/* A JSON writer: one document, two-space indentation. */
struct smc_json {
	FILE *f;
	unsigned int depth;
	bool first;		/* nothing written yet at this depth */
};

void smc_json_init(struct smc_json *j, FILE *f);
/* @key is NULL inside arrays and for the document itself. */
void smc_json_begin_obj(struct smc_json *j, const char *key);
void smc_json_begin_arr(struct smc_json *j, const char *key);
void smc_json_end_obj(struct smc_json *j);
void smc_json_end_arr(struct smc_json *j);
void smc_json_u64(struct smc_json *j, const char *key, uint64_t v);
void smc_json_i64(struct smc_json *j, const char *key, int64_t v);
void smc_json_bool(struct smc_json *j, const char *key, bool v);
void smc_json_null(struct smc_json *j, const char *key);
void smc_json_string(struct smc_json *j, const char *key, const char *s,
		     size_t len);
/* A NUL-terminated string. */
void smc_json_cstr(struct smc_json *j, const char *key, const char *s);

#endif /* SYSMEMCTL_DATA_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests for tools/sysmem/sysmemctl_data.c: the parsers of the
 * sysmem debugfs files on fixture text (escaped strings, unknown
 * trailing fields and record words, malformed lines) and the JSON and
 * terminal string writers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "sysmemctl_data.h"

/* Capture what the writers print: open_memstream() into @out. */
static FILE *capture(char **out)
{
	static size_t size;

	*out = NULL;
	return open_memstream(out, &size);
}

static const char collections_fixture[] =
	"collection id=5 name=\"camera-pipe\" state=pending reason=none age_ms=1234 nodes=4 buffers=0 size=0 heap=\"\"\n"
	"node coll=5 id=17 parent=0 kind=collection state=bound debug_name=\"cam\" debug_id=412 pid=412 missing=none\n"
	"node coll=5 id=18 parent=17 kind=token state=unbound debug_name=\"\" debug_id=0 pid=412 missing=unbound_token\n"
	"node coll=5 id=19 parent=17 kind=group state=bound debug_name=\"display\" debug_id=7 pid=415 missing=group_children,no_constraints\n"
	"node coll=5 id=20 parent=19 kind=token state=bound debug_name=\"a\\042b\\134c\\011\\303\\251\\377\\000z\" debug_id=18446744073709551615 pid=415 missing=no_constraints later=1 note=\"two words\"\n"
	"watch coll=5 id=3 what=\"ignored\"\n"
	"collection id=7 name=\"vid\\303\\251o\" state=failed reason=no_memory age_ms=99 nodes=1 buffers=2 size=8388608 heap=\"system\"\n"
	"node coll=7 id=30 parent=0 kind=knode state=failed debug_name=\"\" debug_id=0 pid=0 missing=none\n"
	"buffer coll=7 index=0 heap=\"system\" size=8388608 holders=3\n"
	"buffer coll=7 index=1 heap=\"sys\\040tem\" size=8388608 holders=1 extra=\"x y\"\n";

TEST(collections_parse)
{
	struct smc_err err = { 0 };
	const struct smc_coll *c;
	const struct smc_node *n;
	struct smc_colls cs;

	ASSERT_EQ(0, smc_parse_collections(collections_fixture, &cs, &err));
	ASSERT_EQ(2, cs.n);

	c = &cs.v[0];
	EXPECT_EQ(5, c->id);
	EXPECT_EQ(11, c->name.len);
	EXPECT_STREQ("camera-pipe", c->name.s);
	EXPECT_STREQ("pending", c->state);
	EXPECT_STREQ("none", c->reason);
	EXPECT_EQ(1234, c->age_ms);
	EXPECT_EQ(4, c->nodes);
	EXPECT_EQ(0, c->buffers);
	EXPECT_EQ(0, c->size);
	EXPECT_EQ(0, c->heap.len);
	EXPECT_STREQ("", c->heap.s);
	ASSERT_EQ(4, c->nr_nodes);
	EXPECT_EQ(0, c->nr_bufs);

	n = c->node;
	EXPECT_EQ(17, n[0].id);
	EXPECT_EQ(0, n[0].parent);
	EXPECT_EQ(0, n[0].depth);
	EXPECT_STREQ("collection", n[0].kind);
	EXPECT_STREQ("bound", n[0].state);
	EXPECT_STREQ("cam", n[0].debug_name.s);
	EXPECT_EQ(412, n[0].debug_id);
	EXPECT_EQ(412, n[0].pid);
	EXPECT_STREQ("none", n[0].missing);

	EXPECT_EQ(18, n[1].id);
	EXPECT_EQ(17, n[1].parent);
	EXPECT_EQ(1, n[1].depth);
	EXPECT_STREQ("unbound", n[1].state);
	EXPECT_EQ(0, n[1].debug_name.len);
	EXPECT_STREQ("unbound_token", n[1].missing);

	EXPECT_EQ(1, n[2].depth);
	EXPECT_STREQ("group", n[2].kind);
	EXPECT_STREQ("group_children,no_constraints", n[2].missing);

	/* Escapes decode to the bytes, an embedded NUL included. */
	EXPECT_EQ(20, n[3].id);
	EXPECT_EQ(2, n[3].depth);
	ASSERT_EQ(11, n[3].debug_name.len);
	EXPECT_EQ(0, memcmp("a\"b\\c\t\xc3\xa9\xff\0z", n[3].debug_name.s, 11));
	EXPECT_EQ(UINT64_MAX, n[3].debug_id);

	c = smc_coll_find(&cs, 7);
	ASSERT_EQ(&cs.v[1], c);
	EXPECT_EQ(NULL, smc_coll_find(&cs, 6));
	EXPECT_STREQ("vid\xc3\xa9o", c->name.s);
	EXPECT_STREQ("failed", c->state);
	EXPECT_STREQ("no_memory", c->reason);
	EXPECT_EQ(2, c->buffers);
	EXPECT_EQ(8388608, c->size);
	EXPECT_STREQ("system", c->heap.s);
	ASSERT_EQ(1, c->nr_nodes);
	EXPECT_STREQ("knode", c->node[0].kind);
	EXPECT_EQ(0, c->node[0].pid);
	ASSERT_EQ(2, c->nr_bufs);
	EXPECT_EQ(0, c->buf[0].index);
	EXPECT_EQ(3, c->buf[0].holders);
	EXPECT_EQ(1, c->buf[1].index);
	EXPECT_STREQ("sys tem", c->buf[1].heap.s);
	EXPECT_EQ(8388608, c->buf[1].size);
	EXPECT_EQ(1, c->buf[1].holders);
	smc_colls_free(&cs);
	EXPECT_EQ(0, cs.n);
}

TEST(collections_empty)
{
	struct smc_err err = { 0 };
	struct smc_colls cs;

	ASSERT_EQ(0, smc_parse_collections("", &cs, &err));
	EXPECT_EQ(0, cs.n);
	/* No final newline is fine too. */
	ASSERT_EQ(0, smc_parse_collections(
		"collection id=1 name=\"\" state=pending reason=none age_ms=0 nodes=0 buffers=0 size=0 heap=\"\"",
		&cs, &err));
	EXPECT_EQ(1, cs.n);
	smc_colls_free(&cs);
}

#define COLL1 "collection id=1 name=\"x\" state=pending reason=none age_ms=0 nodes=1 buffers=0 size=0 heap=\"\"\n"
#define NODE1 "node coll=1 id=2 parent=0 kind=collection state=bound debug_name=\"\" debug_id=0 pid=1 missing=none\n"

/* Each text must fail on line @line. */
static void bad(struct __test_metadata *_metadata, const char *text,
		unsigned int line)
{
	struct smc_err err = { 0 };
	struct smc_colls cs;

	EXPECT_EQ(-EINVAL, smc_parse_collections(text, &cs, &err)) {
		TH_LOG("accepted: %s", text);
	}
	EXPECT_EQ(line, err.line) {
		TH_LOG("%s: %s", text, err.msg);
	}
	EXPECT_EQ(0, cs.n);
	EXPECT_NE(0, err.msg[0]);
}

TEST(collections_malformed)
{
	/* Strings: unterminated, bad escapes, raw bytes that need one. */
	bad(_metadata, "collection id=1 name=\"x state=pending reason=none age_ms=0 nodes=0 buffers=0 size=0 heap=\"\"\n", 1);
	bad(_metadata, COLL1 "collection id=2 name=\"\\42\" state=pending reason=none age_ms=0 nodes=0 buffers=0 size=0 heap=\"\"\n", 2);
	bad(_metadata, "collection id=1 name=\"\\400\" state=pending reason=none age_ms=0 nodes=0 buffers=0 size=0 heap=\"\"\n", 1);
	bad(_metadata, "collection id=1 name=\"\\08\" state=pending reason=none age_ms=0 nodes=0 buffers=0 size=0 heap=\"\"\n", 1);
	bad(_metadata, "collection id=1 name=\"a\tb\" state=pending reason=none age_ms=0 nodes=0 buffers=0 size=0 heap=\"\"\n", 1);
	bad(_metadata, "collection id=1 name=\"\xc3\xa9\" state=pending reason=none age_ms=0 nodes=0 buffers=0 size=0 heap=\"\"\n", 1);
	bad(_metadata, "collection id=1 name=\"a\"b\" state=pending reason=none age_ms=0 nodes=0 buffers=0 size=0 heap=\"\"\n", 1);
	/* A string where a number goes, and the other way round. */
	bad(_metadata, "collection id=\"1\" name=\"x\" state=pending reason=none age_ms=0 nodes=0 buffers=0 size=0 heap=\"\"\n", 1);
	bad(_metadata, "collection id=1 name=x state=pending reason=none age_ms=0 nodes=0 buffers=0 size=0 heap=\"\"\n", 1);
	/* Numbers: signs, overflow, empty. */
	bad(_metadata, "collection id=-1 name=\"x\" state=pending reason=none age_ms=0 nodes=0 buffers=0 size=0 heap=\"\"\n", 1);
	bad(_metadata, "collection id=18446744073709551616 name=\"x\" state=pending reason=none age_ms=0 nodes=0 buffers=0 size=0 heap=\"\"\n", 1);
	bad(_metadata, "collection id=1 name=\"x\" state=pending reason=none age_ms= nodes=0 buffers=0 size=0 heap=\"\"\n", 1);
	/* A field missing; stray spaces; no key; an empty line. */
	bad(_metadata, "collection id=1 name=\"x\" state=pending reason=none age_ms=0 nodes=0 buffers=0 size=0\n", 1);
	bad(_metadata, "collection id=1  name=\"x\" state=pending reason=none age_ms=0 nodes=0 buffers=0 size=0 heap=\"\"\n", 1);
	bad(_metadata, COLL1 "collection id=2 name=\"x\" state=pending reason=none age_ms=0 nodes=0 buffers=0 size=0 heap=\"\" \n", 2);
	bad(_metadata, COLL1 "node =1\n", 2);
	bad(_metadata, COLL1 "\n", 2);
	bad(_metadata, " collection\n", 1);
	bad(_metadata, COLL1 "collection id=1 name=\"x\" state=pending reason=none age_ms=0 nodes=0 buffers=0 size=0 heap=\"\"\n", 2);
	bad(_metadata, COLL1 "node coll=1 id=2 parent=0 kind=collection state=bound debug_name=\"\"x debug_id=0 pid=1 missing=none\n", 2);
	/* Records out of place. */
	bad(_metadata, NODE1, 1);
	bad(_metadata, COLL1 "node coll=9 id=2 parent=0 kind=collection state=bound debug_name=\"\" debug_id=0 pid=1 missing=none\n", 2);
	bad(_metadata, COLL1 NODE1 "node coll=1 id=4 parent=3 kind=token state=bound debug_name=\"\" debug_id=0 pid=1 missing=none\n", 3);
	bad(_metadata, COLL1 NODE1 NODE1, 3);
	bad(_metadata, COLL1 "node coll=1 id=0 parent=0 kind=collection state=bound debug_name=\"\" debug_id=0 pid=1 missing=none\n", 2);
	bad(_metadata, COLL1 NODE1 "buffer coll=1 index=0 heap=\"system\" size=1 holders=1\n" NODE1, 4);
	bad(_metadata, COLL1 NODE1 "buffer coll=1 index=0 heap=\"system\" size=1\n", 3);
}

TEST(decode_str)
{
	struct smc_str s;
	const char *end;

	ASSERT_EQ(0, smc_decode_str("\"\\000\\177\\200\\377\"rest", &end, &s));
	ASSERT_EQ(4, s.len);
	EXPECT_EQ(0, memcmp("\0\x7f\x80\xff", s.s, 4));
	EXPECT_EQ(0, s.s[4]);
	EXPECT_STREQ("rest", end);
	free(s.s);
	ASSERT_EQ(0, smc_decode_str("\"\"", &end, &s));
	EXPECT_EQ(0, s.len);
	EXPECT_STREQ("", end);
	free(s.s);
	EXPECT_EQ(-EINVAL, smc_decode_str("abc", &end, &s));
	EXPECT_EQ(-EINVAL, smc_decode_str("\"abc", &end, &s));
	EXPECT_EQ(-EINVAL, smc_decode_str("\"\\12\"", &end, &s));
	EXPECT_EQ(-EINVAL, smc_decode_str("\"\\\"", &end, &s));
	EXPECT_EQ(NULL, s.s);
}

TEST(heaps)
{
	struct smc_err err = { 0 };
	struct smc_heaps h;

	ASSERT_EQ(0, smc_parse_heaps(
		"system buffers=2 bytes=16777216 peak=33554432 failures=1 max=0\n"
		"contiguous buffers=0 bytes=0 peak=4096 failures=0 max=1048576 unregistered\n"
		"test-heap.1 buffers=1 bytes=4096 peak=4096 failures=0 max=0 later=5 flag\n",
		&h, &err));
	ASSERT_EQ(3, h.n);
	EXPECT_STREQ("system", h.v[0].name);
	EXPECT_EQ(2, h.v[0].buffers);
	EXPECT_EQ(16777216, h.v[0].bytes);
	EXPECT_EQ(33554432, h.v[0].peak);
	EXPECT_EQ(1, h.v[0].failures);
	EXPECT_EQ(0, h.v[0].max);
	EXPECT_TRUE(h.v[0].registered);
	EXPECT_STREQ("contiguous", h.v[1].name);
	EXPECT_EQ(1048576, h.v[1].max);
	EXPECT_FALSE(h.v[1].registered);
	EXPECT_STREQ("test-heap.1", h.v[2].name);
	EXPECT_TRUE(h.v[2].registered);
	smc_heaps_free(&h);

	EXPECT_EQ(-EINVAL, smc_parse_heaps(
		"system buffers=2 bytes=1 peak=1 failures=1 max=0\n"
		"x buffers=2 bytes=1 peak=1 failures=1\n", &h, &err));
	EXPECT_EQ(2, err.line);
	EXPECT_STREQ("max", err.msg);
	EXPECT_EQ(0, h.n);
	EXPECT_EQ(-EINVAL, smc_parse_heaps(
		"x buffers=-2 bytes=1 peak=1 failures=1 max=0\n", &h, &err));
	EXPECT_EQ(-EINVAL, smc_parse_heaps(
		"buffers=2 bytes=1 peak=1 failures=1 max=0\n", &h, &err));
	EXPECT_EQ(-EINVAL, smc_parse_heaps(
		"x buffers=2 bytes=1 peak=1 failures=1 max=0 \n", &h, &err));
	ASSERT_EQ(0, smc_parse_heaps("", &h, &err));
	EXPECT_EQ(0, h.n);
}

TEST(objects)
{
	struct smc_err err = { 0 };
	struct smc_objects o;

	ASSERT_EQ(0, smc_parse_objects(
		"collections 2\nnodes 5\nbuffers -1\n", &o, &err));
	ASSERT_EQ(3, o.n);
	EXPECT_STREQ("collections", o.v[0].name);
	EXPECT_EQ(2, o.v[0].value);
	EXPECT_STREQ("nodes", o.v[1].name);
	EXPECT_EQ(5, o.v[1].value);
	EXPECT_EQ(-1, o.v[2].value);
	smc_objects_free(&o);
	EXPECT_EQ(-EINVAL, smc_parse_objects("nodes\n", &o, &err));
	EXPECT_EQ(-EINVAL, smc_parse_objects("nodes 1\nx y\n", &o, &err));
	EXPECT_EQ(2, err.line);
}

TEST(json_str)
{
	static const char in[] = "q\"b\\n\nt\t\x01\x1f\x7f \xc3\xa9 \xe2\x82\xac "
		"\xf0\x9f\x98\x80 \xff \xc0\x80 \xed\xa0\x80 \xc3";
	char *out = NULL;
	FILE *f;

	f = capture(&out);
	ASSERT_NE(NULL, f);
	smc_json_str(f, in, sizeof(in) - 1);
	ASSERT_EQ(0, fclose(f));
	EXPECT_STREQ("\"q\\\"b\\\\n\\nt\\t\\u0001\\u001f\\u007f \xc3\xa9 "
		     "\xe2\x82\xac \xf0\x9f\x98\x80 \\u00ff \\u00c0\\u0080 "
		     "\\u00ed\\u00a0\\u0080 \\u00c3\"", out);
	free(out);
	f = capture(&out);
	ASSERT_NE(NULL, f);
	smc_json_str(f, "a\0b", 3);
	ASSERT_EQ(0, fclose(f));
	EXPECT_STREQ("\"a\\u0000b\"", out);
	free(out);
}

TEST(text_str)
{
	char *out = NULL;
	FILE *f;
	size_t w = 0;

	f = capture(&out);
	ASSERT_NE(NULL, f);
	w = smc_text_str(f, "a\"b\\c\t\xc3\xa9", 8);
	ASSERT_EQ(0, fclose(f));
	EXPECT_STREQ("a\"b\\134c\\011\\303\\251", out);
	EXPECT_EQ(strlen(out), w);
	EXPECT_EQ(w, smc_text_width("a\"b\\c\t\xc3\xa9", 8));
	free(out);
}

TEST(json_writer)
{
	struct smc_json j;
	char *out = NULL;
	FILE *f;

	f = capture(&out);
	ASSERT_NE(NULL, f);
	smc_json_init(&j, f);
	smc_json_begin_obj(&j, NULL);
	smc_json_begin_arr(&j, "list");
	smc_json_begin_obj(&j, NULL);
	smc_json_u64(&j, "id", UINT64_MAX);
	smc_json_i64(&j, "neg", -3);
	smc_json_string(&j, "s", "x\"", 2);
	smc_json_begin_arr(&j, "empty");
	smc_json_end_arr(&j);
	smc_json_end_obj(&j);
	smc_json_cstr(&j, NULL, "two");
	smc_json_end_arr(&j);
	smc_json_bool(&j, "t", true);
	smc_json_bool(&j, "f", false);
	smc_json_null(&j, "n");
	smc_json_begin_obj(&j, "o");
	smc_json_end_obj(&j);
	smc_json_end_obj(&j);
	ASSERT_EQ(0, fclose(f));
	EXPECT_STREQ("{\n"
		     "  \"list\": [\n"
		     "    {\n"
		     "      \"id\": 18446744073709551615,\n"
		     "      \"neg\": -3,\n"
		     "      \"s\": \"x\\\"\",\n"
		     "      \"empty\": []\n"
		     "    },\n"
		     "    \"two\"\n"
		     "  ],\n"
		     "  \"t\": true,\n"
		     "  \"f\": false,\n"
		     "  \"n\": null,\n"
		     "  \"o\": {}\n"
		     "}\n", out);
	free(out);
}

TEST_HARNESS_MAIN

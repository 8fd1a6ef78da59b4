/* The differential of lib/yamlfast against libyaml: whenever cf_yamlfast_parse takes an input
 * (returns 0), libyaml's event parser must read the same bytes as one document without
 * anchors, aliases or tags, and give the same node events -- kinds, order, the start marks of
 * START and SCALAR events, the scalars' bytes and styles (lib/yamlfast.h).  Any difference
 * aborts, with both events printed.  A return other than 0 or 1 aborts too. */
#include <yaml.h>

#include "fuzz.h"
#include "yamlfast.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	FUZZ_ASSERT(cf_init() == 0);
	return 0;
}

static int style_of(yaml_scalar_style_t s)
{
	switch (s) {
	case YAML_PLAIN_SCALAR_STYLE:
		return CF_YSTYLE_PLAIN;
	case YAML_SINGLE_QUOTED_SCALAR_STYLE:
		return CF_YSTYLE_SINGLE;
	case YAML_DOUBLE_QUOTED_SCALAR_STYLE:
		return CF_YSTYLE_DOUBLE;
	case YAML_LITERAL_SCALAR_STYLE:
		return CF_YSTYLE_LITERAL;
	case YAML_FOLDED_SCALAR_STYLE:
		return CF_YSTYLE_FOLDED;
	default:
		return -1;
	}
}

static void differ(size_t i, const cf_yev *f, const char *why, const yaml_event_t *ev)
{
	fprintf(stderr, "yamlfast and libyaml differ at event %zu: %s\n", i, why);
	if (f)
		fprintf(stderr, "  fast:    kind %d at %u:%u style %d len %zu \"%.*s\"\n", f->kind,
			f->line, f->col, f->style, f->len, (int)(f->len < 200 ? f->len : 200),
			f->str ? f->str : "");
	if (ev)
		fprintf(stderr, "  libyaml: type %d at %zu:%zu\n", ev->type, ev->start_mark.line,
			ev->start_mark.column);
	abort();
}

/* Compares the fast reader's events with libyaml's for the same bytes. */
static void compare(const cf_yevs *fast, const char *data, size_t len)
{
	yaml_parser_t p;
	FUZZ_ASSERT(yaml_parser_initialize(&p));
	yaml_parser_set_input_string(&p, (const unsigned char *)data, len);
	yaml_parser_set_encoding(&p, YAML_UTF8_ENCODING);
	size_t i = 0;
	int documents = 0;
	for (;;) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&p, &ev)) {
			fprintf(stderr, "libyaml: %s at %zu:%zu\n", p.problem ? p.problem : "?",
				p.problem_mark.line, p.problem_mark.column);
			differ(i, NULL, "the fast reader took what libyaml rejects", NULL);
		}
		int kind = -1;
		const yaml_char_t *anchor = NULL, *tag = NULL;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			yaml_event_delete(&ev);
			yaml_parser_delete(&p);
			if (i != fast->n)
				differ(i, i < fast->n ? &fast->items[i] : NULL,
				       "the fast reader gives more events", NULL);
			return;
		case YAML_DOCUMENT_START_EVENT:
			if (++documents > 1)
				differ(i, NULL, "libyaml reads a second document", &ev);
			break;
		case YAML_ALIAS_EVENT:
			differ(i, NULL, "libyaml reads an alias", &ev);
			break;
		case YAML_SCALAR_EVENT:
			kind = CF_YEV_SCALAR;
			anchor = ev.data.scalar.anchor;
			tag = ev.data.scalar.tag;
			break;
		case YAML_SEQUENCE_START_EVENT:
			kind = CF_YEV_SEQ_START;
			anchor = ev.data.sequence_start.anchor;
			tag = ev.data.sequence_start.tag;
			break;
		case YAML_MAPPING_START_EVENT:
			kind = CF_YEV_MAP_START;
			anchor = ev.data.mapping_start.anchor;
			tag = ev.data.mapping_start.tag;
			break;
		case YAML_SEQUENCE_END_EVENT:
			kind = CF_YEV_SEQ_END;
			break;
		case YAML_MAPPING_END_EVENT:
			kind = CF_YEV_MAP_END;
			break;
		default:
			break;
		}
		if (anchor || tag)
			differ(i, NULL, "libyaml reads an anchor or a tag", &ev);
		if (kind >= 0) {
			if (i >= fast->n)
				differ(i, NULL, "libyaml gives more events", &ev);
			const cf_yev *f = &fast->items[i];
			if ((int)f->kind != kind)
				differ(i, f, "another kind of event", &ev);
			if (kind != CF_YEV_SEQ_END && kind != CF_YEV_MAP_END &&
			    (f->line != ev.start_mark.line || f->col != ev.start_mark.column))
				differ(i, f, "another start mark", &ev);
			if (kind == CF_YEV_SCALAR) {
				if ((int)f->style != style_of(ev.data.scalar.style))
					differ(i, f, "another style", &ev);
				if (f->len != ev.data.scalar.length ||
				    (f->len && memcmp(f->str, ev.data.scalar.value, f->len) != 0))
					differ(i, f, "another value", &ev);
			}
			i++;
		}
		yaml_event_delete(&ev);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cf_arena *arena = NULL;
	FUZZ_ASSERT(cf_arena_new(&arena, 0) == 0);
	char *copy = malloc(size ? size : 1);
	FUZZ_ASSERT(copy);
	if (size)
		memcpy(copy, data, size);
	cf_yevs evs = CF_YEVS_INIT;
	int rc = cf_yamlfast_parse(&evs, copy, size, arena);
	FUZZ_ASSERT(rc == 0 || rc == 1);
	if (rc == 0)
		compare(&evs, copy, size);
	cf_yevs_free(&evs);
	free(copy);
	cf_arena_free(arena);
	return 0;
}

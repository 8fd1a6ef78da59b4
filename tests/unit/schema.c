/* lib/schema: a malformed schema names its own line; documents are checked against it. */
#include <string.h>

#include "arena.h"
#include "doc.h"
#include "schema.h"
#include "tap.h"

static const char *SCHEMA =
    "schema: demo\n"
    "stages: [open, review, closed]\n"
    "closed_stages: [closed]\n"
    "skips:\n"
    "  - when: {field: outcome, is: none}\n"
    "    stages: [review]\n"
    "documents:\n"
    "  case.yaml:\n"
    "    required: true\n"
    "    fields:\n"
    "      id: {type: string, required: true, pattern: '^[0-9]{4}-[0-9]{3}$'}\n"
    "      stage: {type: stage, required: true}\n"
    "      route: {type: enum, values: [notification, referral], required: true}\n"
    "      outcome: {type: enum, values: [lcspr, none]}\n"
    "      count: {type: int, min: 1, max: 5}\n"
    "      dates:\n"
    "        type: map\n"
    "        fields:\n"
    "          aware: {type: date, required: true, when: {field: route, is: "
    "notification}, description: the day the LA knew, source: '001 §4.1'}\n"
    "          tor_agreed: {type: date, required_from: review}\n"
    "      people:\n"
    "        type: list\n"
    "        items:\n"
    "          fields:\n"
    "            ref: {type: string, required: true}\n"
    "            involvement: {type: enum, values: [yes-please, declined]}\n"
    "            reason: {type: text, required: true, when: {field: "
    "involvement, is: declined}}\n"
    "order:\n"
    "  - [dates.aware, dates.tor_agreed]\n";

static cf_arena *arena;

static int load(cf_schema **s, const char *text, cf_diags *d)
{
	cf_diags_clear(d);
	return cf_schema_parse(s, "s.yaml", text, strlen(text), d);
}

static void check(const cf_schema *s, const char *text, cf_diags *d)
{
	cf_doc *doc;
	cf_diags_clear(d);
	if (cf_doc_parse_yaml(&doc, arena, "case.yaml", text, strlen(text), NULL, d) < 0)
		return;
	const char *stage = cf_node_str(cf_node_get(doc->root, "stage"));
	cf_check_ctx ctx = {s, doc->root, stage ? cf_schema_stage_index(s, stage) : -1};
	cf_schema_check_doc(&ctx, cf_schema_docspec(s, "case.yaml"), doc, d);
	cf_diags_sort(d);
}

static const char *text_of(const cf_diags *d)
{
	static cf_buf out = CF_BUF_INIT;
	cf_buf_clear(&out);
	for (size_t i = 0; i < d->len; i++)
		cf_diag_format_text(&out, &d->items[i]);
	return cf_buf_cstr(&out);
}

static void test_malformed(void)
{
	cf_diags d = CF_DIAGS_INIT;
	cf_schema *s = NULL;
	ok(load(&s,
		"schema: x\nstages: [a]\ndocuments:\n  case.yaml:\n    fields:\n      id: "
		"{type: strng}\n",
		&d) < 0,
	   "an unknown type is refused");
	is_str(text_of(&d),
	       "s.yaml:6:18: error[schema/invalid]: unknown type 'strng' for field 'id'\n"
	       "  hint: did you mean 'string'?\n",
	       "naming the schema's line and a suggestion");

	ok(load(&s,
		"schema: x\nstages: [a]\ndocuments:\n  case.yaml:\n    fields:\n      id: "
		"{type: string, requird: true}\n",
		&d) < 0,
	   "an unknown spec key is refused");
	ok(strstr(text_of(&d), "unknown key 'requird' in a field spec") != NULL &&
	       strstr(text_of(&d), "did you mean 'required'?") != NULL,
	   "with did-you-mean");

	ok(load(&s,
		"schema: x\nstages: [a]\ndocuments:\n  case.yaml:\n    fields:\n      id: "
		"{type: string, required_from: b}\n",
		&d) < 0,
	   "an unknown stage is refused");
	ok(load(&s,
		"schema: x\nstages: [a]\ndocuments:\n  case.yaml:\n    fields:\n      id: "
		"{type: string, when: {field: nope, is: x}}\n",
		&d) < 0,
	   "a condition on a field that does not exist is refused");
	ok(strstr(text_of(&d), "the condition names 'nope', which is not a field here") != NULL,
	   "saying so");
	ok(load(&s,
		"schema: x\nstages: [a]\ndocuments:\n  case.yaml:\n    fields:\n      id: "
		"{type: string, pattern: '(['}\n",
		&d) < 0,
	   "a bad regular expression is refused");
	ok(load(&s,
		"schema: x\nstages: [a]\ndocuments:\n  case.yaml:\n    fields:\n      d: "
		"{type: date}\norder:\n  - [d, nope]\n",
		&d) < 0,
	   "an order pair naming no date field is refused");
	ok(load(&s,
		"schema: x\nstages: [a]\ndocuments:\n  family.yaml:\n    fields:\n      a: "
		"{type: text}\n",
		&d) < 0,
	   "a schema without case.yaml is refused");
	cf_diags_free(&d);
}

static void test_check(void)
{
	cf_diags d = CF_DIAGS_INIT;
	cf_schema *s = NULL;
	ok(load(&s, SCHEMA, &d) == 0, "the demo schema loads");
	if (!s) {
		printf("%s", text_of(&d));
		return;
	}

	check(s, "id: 2026-001\nstage: open\nroute: referral\n", &d);
	is_str(text_of(&d), "", "a complete document passes");

	check(s,
	      "id: 2026-001\nstage: open\nroute: notification\ndates:\n  tor_agreed: 2026-01-01\n",
	      &d);
	is_str(text_of(&d),
	       "case.yaml:5:3: error[schema/required]: 'dates.aware' is required when route is "
	       "notification\n"
	       "  hint: add 'aware:' under 'dates': the day the LA knew (001 §4.1)\n",
	       "a conditional requirement, at the mapping that should hold it");

	check(s, "id: 2026-001\nstage: open\nroute: notification\n", &d);
	is_str(text_of(&d),
	       "case.yaml:1:1: error[schema/required]: 'dates.aware' is required when route is "
	       "notification\n"
	       "  hint: add 'aware:' under 'dates': the day the LA knew (001 §4.1)\n",
	       "the fields of an absent mapping are reported at its parent");

	check(s, "id: 2026-001\nstage: review\nroute: referral\n", &d);
	ok(strstr(text_of(&d), "'dates.tor_agreed' is required from stage 'review'") != NULL,
	   "required_from applies at the stage");
	check(s, "id: 2026-001\nstage: closed\nroute: referral\noutcome: none\n", &d);
	is_str(text_of(&d), "", "a skipped stage's fields are not required");

	check(s,
	      "id: 26-1\nstage: opne\nroute: referal\ncount: 9\ndates:\n  aware: 2026-02-29\n  "
	      "tor_agred: x\n",
	      &d);
	is_str(text_of(&d),
	       "case.yaml:1:5: error[schema/pattern]: 'id' is '26-1', which does not match "
	       "^[0-9]{4}-[0-9]{3}$\n"
	       "case.yaml:2:8: error[schema/enum]: 'stage' is 'opne', which is not one of: open, "
	       "review, closed\n"
	       "  hint: did you mean 'open'?\n"
	       "case.yaml:3:8: error[schema/enum]: 'route' is 'referal', which is not one of: "
	       "notification, referral\n"
	       "  hint: did you mean 'referral'?\n"
	       "case.yaml:4:8: error[schema/range]: 'count' must be between 1 and 5; it is 9\n"
	       "case.yaml:6:10: error[schema/date]: 'dates.aware' is 2026-02-29, which is not a "
	       "real date\n"
	       "  hint: check the day and the month\n"
	       "case.yaml:7:3: warning[schema/unknown-field]: unknown field 'tor_agred' in "
	       "'dates'\n"
	       "  hint: did you mean 'tor_agreed'?\n",
	       "pattern, enum, range, date and unknown field, each at its value");

	check(s, "id: 2026-001\nstage: open\nroute: referral\ndates: 2026-01-01\ncount: [1]\n", &d);
	is_str(text_of(&d),
	       "case.yaml:4:8: error[schema/type]: 'dates' must be a mapping of fields; found "
	       "'2026-01-01'\n"
	       "case.yaml:5:8: error[schema/type]: 'count' must be a whole number, not a list\n",
	       "wrong kinds of value");

	check(s,
	      "id: 2026-001\nstage: open\nroute: referral\npeople:\n  - ref: M1\n    "
	      "involvement: declined\n  - involvement: yes-please\n",
	      &d);
	is_str(text_of(&d),
	       "case.yaml:5:5: error[schema/required]: 'people[M1].reason' is required when "
	       "involvement is declined\n"
	       "  hint: add 'reason:' under 'people[M1]'\n"
	       "case.yaml:7:5: error[schema/required]: 'people[2].ref' is required\n"
	       "  hint: add 'ref:' under 'people[2]'\n",
	       "conditions inside list items read from the item; items are labelled by ref");
	cf_schema_free(s);
	cf_diags_free(&d);
}

int main(void)
{
	if (cf_init() < 0 || cf_arena_new(&arena, 0) < 0)
		return 1;
	test_malformed();
	test_check();
	cf_arena_free(arena);
	return tap_done();
}

/* lib/report_html: the status page built from a status filled in by hand (a red case with a
 * crowded timeline, an amber one whose title tries to inject a script, a green one with no
 * dates, a locked one), checked for what the business office relies on: nothing fetched,
 * everything escaped, well-formed, one timeline per case that has dates, labels that do not
 * sit on top of each other. */
#include "tap.h"

#include <stdlib.h>

#include "buf.h"
#include "calendar.h"
#include "report.h"
#include "report_html.h"

static cf_date D(const char *s)
{
	cf_date d = CF_DATE_NONE;
	if (cf_date_parse(&d, s) != 0) {
		printf("# bad date literal in the test: %s\n", s);
		exit(2);
	}
	return d;
}

static char *S(const char *s)
{
	char *p = cf_strdup(s);
	if (!p) {
		printf("# out of memory\n");
		exit(2);
	}
	return p;
}

/* A row with report.c's defaults; its strings are malloc'd, so cf_status_free frees them. */
static cf_status_row *add_row(cf_status *st, const char *id, const char *title, char rag)
{
	if (st->n == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 8;
		cf_status_row *rows = realloc(st->rows, cap * sizeof(*rows));
		if (!rows) {
			printf("# out of memory\n");
			exit(2);
		}
		st->rows = rows;
		st->cap = cap;
	}
	cf_status_row *r = &st->rows[st->n++];
	memset(r, 0, sizeof(*r));
	r->opened = r->next_due = CF_DATE_NONE;
	r->open_days = -1;
	r->stage_index = -1;
	r->id = S(id);
	r->title = S(title);
	r->route = S("notification");
	r->stage = S("review");
	r->rag = rag;
	return r;
}

static void add_mark(cf_status_row *r, const char *date, const char *label, int is_deadline,
		     cf_deadline_state state)
{
	if (r->n_marks >= CF_STATUS_MAX_MARKS)
		return;
	cf_status_mark *m = &r->marks[r->n_marks++];
	m->date = D(date);
	snprintf(m->label, sizeof(m->label), "%s", label);
	m->is_deadline = is_deadline;
	m->state = state;
}

static void set_next(cf_status_row *r, const char *id, const char *title, const char *due, int days,
		     cf_deadline_state state)
{
	r->has_next = 1;
	r->next_id = S(id);
	r->next_title = S(title);
	r->next_due = D(due);
	r->next_days = days;
	r->next_state = state;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0, len = strlen(needle);
	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += len)
		n++;
	return n;
}

static const char *render(cf_buf *out, const cf_status *st)
{
	cf_buf_clear(out);
	cf_status_render_html(out, st);
	return cf_buf_cstr(out);
}

/* ---- a small XML well-formedness check: tags nest and close, attributes are double-quoted,
 * the only entities are XML's own.  It is what `xmllint --noout` would say, without linking
 * libxml2 into the unit tests. */

static int is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == ':' || c == '_' || c == '.';
}

static int entity_ok(const char *p)
{
	static const char *const ok_entities[] = {"&lt;", "&gt;", "&amp;", "&quot;", "&apos;"};
	for (size_t i = 0; i < sizeof(ok_entities) / sizeof(*ok_entities); i++)
		if (strncmp(p, ok_entities[i], strlen(ok_entities[i])) == 0)
			return 1;
	return 0;
}

static int wellformed(const char *s, char *why, size_t why_size)
{
	char stack[64][24];
	int depth = 0, roots = 0;
	const char *p = s;
	if (strncmp(p, "<!DOCTYPE html>", 15) == 0)
		p += 15;
	while (*p) {
		if (*p == '&') {
			if (!entity_ok(p)) {
				snprintf(why, why_size, "bad entity at offset %ld", (long)(p - s));
				return 0;
			}
			p++;
			continue;
		}
		if (*p != '<') {
			if (depth == 0 && *p != '\n' && *p != ' ') {
				snprintf(why, why_size, "text outside the root at %ld",
					 (long)(p - s));
				return 0;
			}
			p++;
			continue;
		}
		if (strncmp(p, "<!--", 4) == 0) {
			const char *end = strstr(p, "-->");
			if (!end) {
				snprintf(why, why_size, "unclosed comment");
				return 0;
			}
			p = end + 3;
			continue;
		}
		int closing = p[1] == '/';
		p += closing ? 2 : 1;
		char name[24];
		size_t n = 0;
		while (is_name_char(*p) && n + 1 < sizeof(name))
			name[n++] = *p++;
		name[n] = '\0';
		if (n == 0) {
			snprintf(why, why_size, "'<' not starting a tag at %ld", (long)(p - s));
			return 0;
		}
		if (closing) {
			if (*p != '>' || depth == 0 || strcmp(stack[depth - 1], name) != 0) {
				snprintf(why, why_size, "</%s> does not close <%s> at %ld", name,
					 depth ? stack[depth - 1] : "", (long)(p - s));
				return 0;
			}
			depth--;
			p++;
			continue;
		}
		for (;;) {
			while (*p == ' ' || *p == '\n')
				p++;
			if (*p == '>' || (p[0] == '/' && p[1] == '>'))
				break;
			const char *attr = p;
			while (is_name_char(*p))
				p++;
			if (p == attr || p[0] != '=' || p[1] != '"') {
				snprintf(why, why_size, "unquoted or bad attribute in <%s> at %ld",
					 name, (long)(p - s));
				return 0;
			}
			for (p += 2; *p != '"'; p++) {
				if (!*p || *p == '<' || (*p == '&' && !entity_ok(p))) {
					snprintf(why, why_size,
						 "bad attribute value in <%s> at %ld", name,
						 (long)(p - s));
					return 0;
				}
			}
			p++;
		}
		if (*p == '/') {
			p += 2;
			continue;
		}
		p++;
		if (depth == 0)
			roots++;
		if (depth == 64) {
			snprintf(why, why_size, "too deep");
			return 0;
		}
		snprintf(stack[depth++], sizeof(stack[0]), "%s", name);
	}
	if (depth || roots != 1) {
		snprintf(why, why_size, "%d unclosed, %d roots", depth, roots);
		return 0;
	}
	return 1;
}

static int check_wellformed(const char *html, const char *name)
{
	char why[160] = "";
	int good = ok(wellformed(html, why, sizeof(why)), name);
	if (!good)
		printf("#   %s\n", why);
	return good;
}

static int valid_utf8_no_controls(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		if (*p < 0x20 && *p != '\n' && *p != '\t')
			return 0;
		size_t n = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3 : 4;
		if (*p >= 0x80 && (*p < 0xc2 || *p > 0xf4))
			return 0;
		for (size_t i = 1; i < n; i++)
			if ((p[i] & 0xc0) != 0x80)
				return 0;
		p += n;
	}
	return 1;
}

/* An attribute like onload="..." or onclick="...": script without a <script> element. */
static int has_event_handler(const char *html)
{
	for (const char *p = html; (p = strstr(p, " on")) != NULL; p++) {
		const char *q = p + 3;
		while (*q >= 'a' && *q <= 'z')
			q++;
		if (q > p + 3 && q[0] == '=' && q[1] == '"')
			return 1;
	}
	return 0;
}

/* The y of every label (class "lbl") of the first timeline at or after `from`, with its x. */
static size_t label_positions(const char *from, int *xs, int *ys, size_t max)
{
	const char *end = strstr(from, "</svg>");
	size_t n = 0;
	for (const char *p = from; (p = strstr(p, "<text class=\"lbl\" x=\"")) != NULL && p < end;
	     p++) {
		if (n < max &&
		    sscanf(p, "<text class=\"lbl\" x=\"%d\" y=\"%d\"", &xs[n], &ys[n]) == 2)
			n++;
	}
	return n;
}

/* The status the main tests render: four rows, in the order the report sorts them. */
static void build_status(cf_status *st)
{
	if (cf_status_init(st, "Test Partnership & Co", D("2026-11-24")) != 0) {
		printf("# out of memory\n");
		exit(2);
	}
	cf_status_row *r = add_row(st, "2026-002", "Child B", 'R');
	r->opened = D("2026-02-16");
	r->open_days = 196;
	set_next(r, "lcspr-completion", "LCSPR completed and published", "2026-08-16", 70,
		 CF_DL_OVERDUE);
	r->overdue = 2;
	r->overdue_actions = 1;
	r->errors = 1;
	r->warnings = 2;
	add_mark(r, "2026-02-10", "la aware", 0, CF_DL_MET);
	add_mark(r, "2026-02-13", "notified national panel", 0, CF_DL_MET);
	add_mark(r, "2026-02-16", "referral received", 0, CF_DL_MET);
	add_mark(r, "2026-02-17", "info requests sent", 0, CF_DL_MET);
	add_mark(r, "2026-02-17", "notification due", 1, CF_DL_MET);
	add_mark(r, "2026-03-06", "rapid review submitted", 0, CF_DL_MET);
	add_mark(r, "2026-03-05", "rapid-review due", 1, CF_DL_MET_LATE);
	add_mark(r, "2026-08-16", "lcspr-completion due", 1, CF_DL_OVERDUE);
	add_mark(r, "2026-10-30", "actions R1.2 due", 1, CF_DL_OVERDUE);
	add_mark(r, "2027-01-06", "actions R2.1 due", 1, CF_DL_OPEN);

	r = add_row(st, "2026-007", "<script>alert(\"x\")</script> & 'q'", 'A');
	r->opened = D("2026-04-27");
	r->open_days = 148;
	set_next(r, "lcspr-completion", "LCSPR completed and published", "2026-11-28", 3,
		 CF_DL_DUE_SOON);
	r->warnings = 1;
	add_mark(r, "2026-04-27", "referral received", 0, CF_DL_MET);
	add_mark(r, "2026-11-28", "lcspr-completion due", 1, CF_DL_DUE_SOON);

	r = add_row(st, "2026-011", "Child M", 'G');
	r->stage[0] = '\0'; /* an unknown stage: the meta line leaves it out */

	r = add_row(st, "2026-099", "", 'G');
	r->locked = 1;
	free(r->stage);
	r->stage = S("locked");
	free(r->route);
	r->route = S("");
}

int main(void)
{
	cf_status st;
	cf_buf out = CF_BUF_INIT;
	build_status(&st);
	const char *html = render(&out, &st);

	/* the checker itself refuses what it is there to catch */
	char why[160];
	ok(!wellformed("<html><b><i></b></i></html>", why, sizeof(why)) &&
	       !wellformed("<html><p class=x>y</p></html>", why, sizeof(why)) &&
	       !wellformed("<html>a & b</html>", why, sizeof(why)) &&
	       !wellformed("<html><br></html>", why, sizeof(why)) &&
	       wellformed("<!DOCTYPE html>\n<html><br /><p a=\"&amp;\">&lt;</p></html>\n", why,
			  sizeof(why)),
	   "the well-formedness check refuses misnesting, bare attributes, bare &, unclosed tags");

	/* ---- the page as a whole */
	ok(!cf_buf_oom(&out), "rendered without running out of memory");
	ok(strncmp(html, "<!DOCTYPE html>\n<html lang=\"en-GB\">", 35) == 0,
	   "starts with <!DOCTYPE html> and <html lang>");
	ok(out.len > 8 && strcmp(html + out.len - 8, "</html>\n") == 0, "ends with </html>");
	check_wellformed(html, "well-formed: every tag closed, attributes quoted, XML entities");
	ok(valid_utf8_no_controls(html), "valid UTF-8 with no control characters");
	ok(strstr(html, "<meta charset=\"utf-8\" />") != NULL, "declares UTF-8");
	ok(strstr(html, "<title>Test Partnership &amp; Co: open cases as of 2026-11-24</title>") !=
	       NULL,
	   "<title>: the partnership (escaped) and the as-of date");
	ok(strstr(html, "<h1>Test Partnership &amp; Co</h1>") != NULL, "the partnership heading");
	ok(strstr(html, "Open cases as of 2026-11-24") != NULL, "the as-of line");
	ok(strstr(html, "4 cases: 1 red, 1 amber, 1 green, 1 locked; 2 overdue deadlines (1 "
			"action); 1 error, 3 warnings") != NULL,
	   "the totals line: report.c's numbers and words");
	ok(strstr(html, "@media print") && strstr(html, "size: A4 landscape") &&
	       strstr(html, "print-color-adjust: exact") && strstr(html, "break-inside: avoid"),
	   "print rules: A4 landscape, colours kept, case blocks not split");

	/* ---- nothing runs, nothing is fetched */
	ok(!strstr(html, "<script") && !strstr(html, "<SCRIPT"), "no <script> element anywhere");
	ok(!strstr(html, "http://") && !strstr(html, "https://"), "no http:// or https:// address");
	ok(!strstr(html, "src=") && !strstr(html, "url(") && !strstr(html, "@import") &&
	       !strstr(html, "<link") && !strstr(html, "<img") && !strstr(html, "<iframe") &&
	       !strstr(html, "<object"),
	   "no src=, url(), @import, <link>, <img>, <iframe> or <object>");
	ok(!has_event_handler(html), "no event handler attributes (onload=, onclick=, ...)");

	/* ---- escaping of what users wrote */
	is_int(count(html, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; 'q'"), 2,
	       "the hostile title, escaped, in the table and in its section heading");

	/* ---- the summary table */
	const char *p1 =
	    strstr(html, "<td class=\"nowrap\"><a href=\"#case-2026-002\">2026-002</a>");
	const char *p2 =
	    strstr(html, "<td class=\"nowrap\"><a href=\"#case-2026-007\">2026-007</a>");
	const char *p3 =
	    strstr(html, "<td class=\"nowrap\"><a href=\"#case-2026-011\">2026-011</a>");
	const char *p4 = strstr(html, "<tr><td class=\"nowrap\">2026-099</td>");
	ok(p1 && p2 && p3 && p4 && p1 < p2 && p2 < p3 && p3 < p4,
	   "the rows in the order given, each case linked to its section");
	ok(strstr(html, "<th scope=\"col\" class=\"num\">Working days (left / overdue)</th>") &&
	       strstr(html, "<th scope=\"col\">Next deadline</th>") &&
	       strstr(html, "<th scope=\"col\" class=\"num\">Overdue actions</th>"),
	   "the text form's columns");
	ok(strstr(html, "<span class=\"rag rag-red\">red</span>") &&
	       strstr(html, "<span class=\"rag rag-amber\">amber</span>") &&
	       strstr(html, "<span class=\"rag rag-green\">green</span>"),
	   "RAG badges carry the words red, amber, green");
	ok(strstr(html, "<td class=\"num late\">70 overdue</td>") &&
	       strstr(html, "<td class=\"num\">3 left</td>"),
	   "working days: \"70 overdue\", \"3 left\"");
	ok(strstr(html, "<td class=\"num\">196</td>"), "working days open");
	is_int(count(html, "locked (no key held)"), 1, "the locked row says so, once");

	/* ---- the case sections and their timelines */
	is_int(count(html, "<svg"), 2, "one timeline per unlocked case with dates");
	is_int(count(html, "role=\"img\" aria-label=\"Timeline of case "), 2,
	       "each timeline is an image with a spoken summary");
	ok(strstr(html, "aria-label=\"Timeline of case 2026-002: 5 milestones and 5 deadlines (2 "
			"overdue), from 2026-02-10 to 2027-01-06; today is 2026-11-24\""),
	   "the summary counts the marks");
	is_int(count(html, "No dates recorded yet."), 1, "the case with no dates says so instead");
	ok(strstr(html, "id=\"case-2026-002\"") && strstr(html, "id=\"case-2026-007\"") &&
	       strstr(html, "id=\"case-2026-011\""),
	   "a section per unlocked case");
	ok(!strstr(html, "id=\"case-2026-099\""), "no section for the locked case");
	ok(strstr(html, ">referral received</text>") && strstr(html, ">rapid-review due</text>"),
	   "milestone and deadline labels");
	ok(strstr(html, ">2026-03-05 · met late</text>") &&
	       strstr(html, ">2026-08-16 · overdue</text>") &&
	       strstr(html, ">2027-01-06 · open</text>") &&
	       strstr(html, ">2026-11-28 · due soon</text>"),
	   "each deadline's state in words under its label");
	ok(strstr(html, "<polygon") && strstr(html, "fill=\"#b3261e\"") && strstr(html, "<circle"),
	   "deadlines are diamonds (overdue in red), milestones dots");
	ok(strstr(html, ">Mar 2026</text>") && strstr(html, ">Nov 2026</text>"),
	   "month ticks labelled");
	is_int(count(html, ">today 2026-11-24</text>"), 2, "a today line in each timeline");
	ok(strstr(html, "Generated by casefile") &&
	       strstr(html, "OFFICIAL-SENSITIVE: contains case details; do not forward outside "
			    "the partnership."),
	   "the footer and its reminder");

	/* labels of marks close together go into different rows */
	int xs[CF_STATUS_MAX_MARKS], ys[CF_STATUS_MAX_MARKS];
	size_t nl = label_positions(strstr(html, "<svg"), xs, ys, CF_STATUS_MAX_MARKS);
	is_int(nl, 10, "the red case: a label per mark");
	int clash = 0;
	for (size_t i = 0; i < nl; i++)
		for (size_t j = i + 1; j < nl; j++)
			clash += ys[i] == ys[j] && abs(xs[i] - xs[j]) < 100;
	is_int(clash, 0, "no two labels within 100px of each other share a row");

	is_int(count(html, "<text class=\"lbl halo\""), count(html, "<text class=\"lbl\""),
	       "every label has a white halo under it, masking the lines it crosses");

	/* the same status always gives the same page */
	char *first = S(html);
	is_str(render(&out, &st), first, "deterministic: the same bytes twice");
	free(first);

	/* ---- a crowded day: the most marks a row holds, all on one date */
	cf_status_row *r = &st.rows[0];
	r->n_marks = 0;
	for (int i = 0; i < CF_STATUS_MAX_MARKS; i++) {
		char label[64];
		snprintf(label, sizeof(label), "mark number %d", i);
		add_mark(r, "2026-05-01", label, i % 2, i % 2 ? CF_DL_OVERDUE : CF_DL_MET);
	}
	html = render(&out, &st);
	check_wellformed(html, "24 marks on one day: still well-formed");
	nl = label_positions(strstr(html, "<svg"), xs, ys, CF_STATUS_MAX_MARKS);
	is_int(nl, CF_STATUS_MAX_MARKS, "24 marks on one day: 24 labels");
	clash = 0;
	for (size_t i = 0; i < nl; i++)
		for (size_t j = i + 1; j < nl; j++)
			clash += ys[i] == ys[j];
	is_int(clash, 0, "24 marks on one day: each label in a row of its own");

	/* ---- dates only in the future, and a span of ten years */
	r->n_marks = 0;
	add_mark(r, "2027-02-01", "future meeting", 0, CF_DL_MET);
	add_mark(r, "2027-03-01", "future deadline", 1, CF_DL_OPEN);
	r->opened = CF_DATE_NONE;
	html = render(&out, &st);
	int tx = -1;
	const char *t = strstr(html, "<text class=\"today\" x=\"");
	ok(t && sscanf(t, "<text class=\"today\" x=\"%d\"", &tx) == 1 && tx >= 0 && tx <= 900,
	   "marks all after the as-of day: the today line is still on the axis");
	r->n_marks = 0;
	add_mark(r, "2017-01-10", "long ago", 0, CF_DL_MET);
	add_mark(r, "2026-11-01", "recently", 0, CF_DL_MET);
	html = render(&out, &st);
	const char *svg_end = strstr(strstr(html, "<svg"), "</svg>");
	size_t months = 0;
	for (const char *m = strstr(html, "<svg");
	     (m = strstr(m, "class=\"month\"")) && m < svg_end; m++)
		months++;
	ok(months >= 4 && months <= 13,
	   "ten years: month labels thinned out to fit (between 4 and 13 of them)");
	if (months < 4 || months > 13)
		printf("#   %zu month labels\n", months);

	/* ---- text XML would refuse: control characters, broken UTF-8 (a label cut mid-character)
	 */
	free(r->title);
	r->title = S("bell\x07 and \xff\xfe broken \xc3");
	snprintf(r->marks[0].label, sizeof(r->marks[0].label), "caf\xc3");
	html = render(&out, &st);
	ok(valid_utf8_no_controls(html), "control characters and broken UTF-8 are replaced");
	ok(strstr(html, "bell\xef\xbf\xbd and \xef\xbf\xbd\xef\xbf\xbd broken \xef\xbf\xbd") &&
	       strstr(html, ">caf\xef\xbf\xbd</text>"),
	   "... by U+FFFD, one per bad byte");
	check_wellformed(html, "... and the page stays well-formed");
	cf_status_free(&st);

	/* ---- no cases at all */
	if (cf_status_init(&st, "", D("2026-01-05")) != 0)
		return 2;
	html = render(&out, &st);
	check_wellformed(html, "no cases: well-formed");
	ok(strstr(html, "No open cases.") && !strstr(html, "<svg") && !strstr(html, "Timelines"),
	   "no cases: says so, no timelines");
	ok(strstr(html, "<title>Open cases as of 2026-01-05</title>"),
	   "no partnership name: the title is the as-of line");
	ok(strstr(html, "0 cases: 0 red, 0 amber, 0 green; 0 overdue deadlines (0 actions); 0 "
			"errors, 0 warnings"),
	   "no cases: the totals are zero");
	cf_status_free(&st);
	cf_buf_free(&out);
	return tap_done();
}

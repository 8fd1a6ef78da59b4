/* lib/report_html: `casefile status --format html`.  The page is opened on locked-down council
 * machines and printed for the Case Review Group, so it is one file that needs nothing else:
 * inline CSS, inline SVG, no scripts, no fonts or images fetched.  It is also XHTML-compatible
 * (every tag closed, every attribute double-quoted, only the XML entities) so that it can be
 * checked with an XML parser as well as an HTML one. */
#include "report_html.h"

#include <stdint.h>
#include <string.h>

#include "report.h"

/* ---- text ------------------------------------------------------------------------------ */

/* The length of the valid UTF-8 sequence at p that XML accepts, or 0.  Titles come from
 * users' files and mark labels are cut at a byte count, so a page built from them could
 * otherwise hold a broken sequence or a control character, which an XML parser refuses. */
static size_t xml_char_len(const unsigned char *p)
{
	unsigned c = p[0];
	if (c < 0x80)
		return (c >= 0x20 || c == '\t' || c == '\n' || c == '\r') ? 1 : 0;
	if (c >= 0xc2 && c <= 0xdf)
		return (p[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		unsigned lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
		if (p[1] < lo || p[1] > hi || (p[2] & 0xc0) != 0x80)
			return 0;
		/* U+FFFE and U+FFFF are not XML characters */
		if (c == 0xef && p[1] == 0xbf && p[2] >= 0xbe)
			return 0;
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		unsigned lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
		if (p[1] < lo || p[1] > hi || (p[2] & 0xc0) != 0x80 || (p[3] & 0xc0) != 0x80)
			return 0;
		return 4;
	}
	return 0;
}

/* Appends s escaped for HTML text and double-quoted attributes (every attribute here is
 * double-quoted: cf_buf_put_html leaves ' alone), with anything XML refuses as U+FFFD. */
static void put_text(cf_buf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;
	while (*p && (n = xml_char_len(p)) != 0)
		p += n;
	if (!*p) {
		cf_buf_put_html(out, s); /* the usual case: nothing to repair */
		return;
	}
	cf_buf clean = CF_BUF_INIT;
	for (p = (const unsigned char *)s; *p;) {
		n = xml_char_len(p);
		if (n) {
			cf_buf_put(&clean, p, n);
			p += n;
		} else {
			cf_buf_puts(&clean, "\xef\xbf\xbd");
			p++;
		}
	}
	if (cf_buf_oom(&clean))
		out->oom = 1; /* the caller checks the output buffer once, at the end */
	else
		cf_buf_put_html(out, cf_buf_cstr(&clean));
	cf_buf_free(&clean);
}

/* Characters, not bytes: the timeline estimates a label's width from it. */
static int text_cols(const char *s)
{
	int n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* A fragment identifier for a case's section: the id with anything unusual replaced, so that
 * the attribute stays a single token whatever the case directory is called. */
static void put_anchor(cf_buf *out, const char *id)
{
	cf_buf_puts(out, "case-");
	for (; *id; id++) {
		char c = *id;
		int plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
		cf_buf_putc(out, plain ? c : '_');
	}
}

static void put_date(cf_buf *out, cf_date d)
{
	char s[11];
	cf_date_format(s, d);
	cf_buf_puts(out, s);
}

static const char *plural(size_t n)
{
	return n == 1 ? "" : "s";
}

/* ---- totals: the same sums as the other formats ------------------------------------------ */

/* The words match the text form's totals line, so that the office reads the same sentence
 * whichever form it was given. */
static void put_totals(cf_buf *out, const cf_status *st)
{
	cf_status_totals t;
	cf_status_sum(&t, st);
	cf_buf_printf(out, "%zu case%s: %zu red, %zu amber, %zu green", t.cases, plural(t.cases),
		      t.red, t.amber, t.green);
	if (t.locked)
		cf_buf_printf(out, ", %zu locked", t.locked);
	cf_buf_printf(out, "; %zu overdue deadline%s (%zu action%s); %zu error%s, %zu warning%s",
		      t.overdue, plural(t.overdue), t.overdue_actions, plural(t.overdue_actions),
		      t.errors, plural(t.errors), t.warnings, plural(t.warnings));
}

/* ---- the page around the content --------------------------------------------------------- */

/* System fonts only: nothing may be fetched.  print-color-adjust keeps the RAG badges and the
 * timeline's colours when a browser would otherwise drop "backgrounds" to save ink; the words
 * in them carry the meaning on a black-and-white printer.  No '<' or '&' in here: the page
 * must stay well-formed XML. */
static const char css[] =
    ":root { color-scheme: light; }\n"
    "* { box-sizing: border-box; }\n"
    "body { margin: 24px; color: #111; background: #fff; line-height: 1.35;\n"
    "  font: 10.5pt/1.35 \"Segoe UI\", Arial, \"Liberation Sans\", \"DejaVu Sans\", "
    "sans-serif; }\n"
    "h1 { font-size: 18pt; margin: 0 0 2px; }\n"
    "h2 { font-size: 13pt; margin: 20px 0 6px; }\n"
    "h3 { font-size: 11.5pt; margin: 0 0 2px; }\n"
    "p { margin: 0 0 4px; }\n"
    ".marking { font-weight: bold; letter-spacing: 0.05em; font-size: 9pt; margin-bottom: 8px; "
    "}\n"
    ".asof { font-size: 12pt; }\n"
    ".totals { color: #333; }\n"
    "table.summary { border-collapse: collapse; width: 100%; font-size: 9.5pt; margin-top: "
    "8px; }\n"
    "table.summary caption { text-align: left; font-weight: bold; padding-bottom: 4px; }\n"
    "table.summary th, table.summary td { border: 1px solid #b8b8b8; padding: 3px 6px;\n"
    "  text-align: left; vertical-align: top; }\n"
    "table.summary thead th { background: #e9ebee; vertical-align: bottom; }\n"
    "table.summary tbody tr:nth-child(even) { background: #f7f7f8; }\n"
    "table.summary .num { text-align: right; font-variant-numeric: tabular-nums; }\n"
    "table.summary td.num { white-space: nowrap; }\n"
    "table.summary .nowrap { white-space: nowrap; }\n"
    "table.summary th.num { width: 6em; }\n"
    "table.summary td.title { min-width: 8em; }\n"
    "table.summary td.locked { color: #555; font-style: italic; }\n"
    "table.summary a { color: inherit; }\n"
    ".late { color: #a51d16; font-weight: bold; }\n"
    ".bad { font-weight: bold; }\n"
    ".rag { display: inline-block; min-width: 4.2em; padding: 0 7px; border: 1px solid;\n"
    "  border-radius: 9px; font-weight: bold; text-align: center; }\n"
    ".rag-red { background: #b3261e; border-color: #6e1712; color: #fff; }\n"
    ".rag-amber { background: #f4b400; border-color: #8a6500; color: #111; }\n"
    ".rag-green { background: #1e7b34; border-color: #114a1f; color: #fff; }\n"
    ".key { font-size: 9pt; color: #333; margin: 0 0 6px; }\n"
    ".key span { display: inline-block; margin-right: 14px; white-space: nowrap; }\n"
    ".key i { display: inline-block; width: 9px; height: 9px; margin-right: 4px;\n"
    "  vertical-align: -1px; border: 1.5px solid #333; }\n"
    ".key .k-dot { border-radius: 50%; background: #1f3b73; border-color: #1f3b73; }\n"
    ".key .k-dia { transform: rotate(45deg); width: 8px; height: 8px; }\n"
    ".key .k-met { background: #1e7b34; border-color: #114a1f; }\n"
    ".key .k-late { background: #d9822b; border-color: #8a4b0f; }\n"
    ".key .k-soon { background: #f4b400; border-color: #8a6500; }\n"
    ".key .k-over { background: #b3261e; border-color: #6e1712; }\n"
    ".key .k-open { background: #fff; border-color: #666; }\n"
    ".key .k-today { width: 0; height: 12px; border: 0; border-left: 2px dashed #0b57d0;\n"
    "  vertical-align: -2px; }\n"
    ".case { border-top: 1px solid #c8c8c8; padding-top: 8px; margin-top: 12px;\n"
    "  break-inside: avoid; page-break-inside: avoid; }\n"
    ".case .meta { color: #333; font-size: 9.5pt; }\n"
    ".case .none { color: #555; font-style: italic; margin: 6px 0 2px; }\n"
    ".case svg { display: block; width: 100%; max-width: 900px; height: auto; margin-top: 4px; "
    "}\n"
    "svg text { font-family: \"Segoe UI\", Arial, \"Liberation Sans\", \"DejaVu Sans\", "
    "sans-serif; }\n"
    "svg .lbl { font-size: 11px; fill: #111; }\n"
    "svg .sub { font-size: 10px; fill: #555; }\n"
    "svg .sub.overdue { fill: #a51d16; font-weight: bold; }\n"
    "svg text.halo, svg text.sub.overdue.halo { fill: #fff; stroke: #fff; stroke-width: 5px;\n"
    "  stroke-linejoin: round; }\n"
    "svg .month { font-size: 10px; fill: #444; }\n"
    "svg .today { font-size: 10px; fill: #0b57d0; font-weight: bold; }\n"
    "footer { margin-top: 24px; border-top: 1px solid #c8c8c8; padding-top: 6px; font-size: "
    "9pt; color: #333; }\n"
    "footer .marking { margin: 2px 0 0; color: #111; }\n"
    "* { -webkit-print-color-adjust: exact; print-color-adjust: exact; }\n"
    /* the protective marking and page numbers on every sheet, where the browser can */
    "@page { size: A4 landscape; margin: 12mm;\n"
    "  @top-right { content: \"OFFICIAL-SENSITIVE\"; font: bold 8pt sans-serif; }\n"
    "  @bottom-right { content: \"Page \" counter(page) \" of \" counter(pages); font: 8pt "
    "sans-serif; } }\n"
    "@media print {\n"
    "  body { margin: 0; font-size: 9pt; }\n"
    "  table.summary { font-size: 8.5pt; }\n"
    "  table.summary thead { display: table-header-group; }\n"
    "  table.summary tr { break-inside: avoid; page-break-inside: avoid; }\n"
    "  table.summary a { text-decoration: none; }\n"
    "  h2.timelines { break-before: page; page-break-before: always; }\n"
    "  .case svg { max-width: 100%; }\n"
    "}\n";

static void render_head(cf_buf *out, const cf_status *st)
{
	cf_buf_puts(out,
		    "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n"
		    "<meta charset=\"utf-8\" />\n"
		    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />\n"
		    "<title>");
	if (st->partnership[0]) {
		put_text(out, st->partnership);
		cf_buf_puts(out, ": open cases as of ");
	} else {
		cf_buf_puts(out, "Open cases as of ");
	}
	put_date(out, st->as_of);
	cf_buf_puts(out, "</title>\n<style>\n");
	cf_buf_puts(out, css);
	cf_buf_puts(out, "</style>\n</head>\n<body>\n");
}

static void render_header(cf_buf *out, const cf_status *st)
{
	cf_buf_puts(out, "<header>\n<p class=\"marking\">OFFICIAL-SENSITIVE</p>\n<h1>");
	put_text(out, st->partnership[0] ? st->partnership : "Case reviews");
	cf_buf_puts(out, "</h1>\n<p class=\"asof\">Open cases as of ");
	put_date(out, st->as_of);
	cf_buf_puts(out, "</p>\n<p class=\"totals\">");
	put_totals(out, st);
	cf_buf_puts(out, "</p>\n</header>\n");
}

static void render_footer(cf_buf *out)
{
	cf_buf_puts(out, "<footer>\n<p>Generated by casefile</p>\n"
			 "<p class=\"marking\">OFFICIAL-SENSITIVE: contains case details; do not "
			 "forward outside the partnership.</p>\n</footer>\n");
}

/* ---- the summary table ------------------------------------------------------------------ */

static void put_rag(cf_buf *out, char rag)
{
	const char *name = cf_rag_name(rag);
	cf_buf_printf(out, "<span class=\"rag rag-%s\">%s</span>", name, name);
}

static void td_text(cf_buf *out, const char *cls, const char *s)
{
	if (cls)
		cf_buf_printf(out, "<td class=\"%s\">", cls);
	else
		cf_buf_puts(out, "<td>");
	put_text(out, s);
	cf_buf_puts(out, "</td>");
}

static void td_count(cf_buf *out, size_t n)
{
	cf_buf_printf(out, "<td class=\"num%s\">%zu</td>", n ? " bad" : "", n);
}

static void render_row(cf_buf *out, const cf_status_row *r)
{
	cf_buf_puts(out, "<tr><td class=\"nowrap\">");
	if (!r->locked) {
		/* the case's timeline is further down the page */
		cf_buf_puts(out, "<a href=\"#");
		put_anchor(out, r->id);
		cf_buf_puts(out, "\">");
		put_text(out, r->id);
		cf_buf_puts(out, "</a></td>");
	} else {
		put_text(out, r->id);
		/* nothing else is known about a case the clone cannot decrypt */
		cf_buf_puts(out,
			    "</td><td colspan=\"11\" class=\"locked\">locked (no key held)</td>"
			    "</tr>\n");
		return;
	}
	td_text(out, "title", r->title);
	/* routes and stages are single words of the schema: "rapid-review" reads badly split */
	td_text(out, "nowrap", r->route);
	td_text(out, "nowrap", r->stage);
	if (r->open_days >= 0)
		cf_buf_printf(out, "<td class=\"num\">%d</td>", r->open_days);
	else
		cf_buf_puts(out, "<td class=\"num\"></td>");
	if (r->has_next) {
		td_text(out, NULL, r->next_title);
		cf_buf_puts(out, "<td class=\"nowrap\">");
		put_date(out, r->next_due);
		cf_buf_puts(out, "</td>");
		if (r->next_state == CF_DL_OVERDUE)
			cf_buf_printf(out, "<td class=\"num late\">%d overdue</td>", r->next_days);
		else
			cf_buf_printf(out, "<td class=\"num\">%d left</td>", r->next_days);
	} else {
		cf_buf_puts(out, "<td>—</td><td></td><td class=\"num\"></td>");
	}
	cf_buf_puts(out, "<td>");
	put_rag(out, r->rag);
	cf_buf_puts(out, "</td>");
	td_count(out, r->errors);
	td_count(out, r->warnings);
	td_count(out, r->overdue_actions);
	cf_buf_puts(out, "</tr>\n");
}

static void render_table(cf_buf *out, const cf_status *st)
{
	cf_buf_puts(out, "<table class=\"summary\">\n"
			 "<caption>Open cases, the most pressing first</caption>\n"
			 "<thead><tr><th scope=\"col\">Case</th><th scope=\"col\">Title</th>"
			 "<th scope=\"col\">Route</th><th scope=\"col\">Stage</th>"
			 "<th scope=\"col\" class=\"num\">Working days open</th>"
			 "<th scope=\"col\">Next deadline</th><th scope=\"col\">Due</th>"
			 "<th scope=\"col\" class=\"num\">Working days (left / overdue)</th>"
			 "<th scope=\"col\">RAG</th><th scope=\"col\" class=\"num\">Errors</th>"
			 "<th scope=\"col\" class=\"num\">Warnings</th>"
			 "<th scope=\"col\" class=\"num\">Overdue actions</th></tr></thead>\n"
			 "<tbody>\n");
	for (size_t i = 0; i < st->n; i++)
		render_row(out, &st->rows[i]);
	if (st->n == 0)
		cf_buf_puts(out, "<tr><td colspan=\"12\">No open cases.</td></tr>\n");
	cf_buf_puts(out, "</tbody>\n</table>\n");
}

/* ---- the timeline of one case ------------------------------------------------------------ */

/* Geometry, in SVG user units (pixels at 100%).  900 wide fits an A4 landscape page. */
enum {
	TL_W = 900,
	TL_X0 = 14,	   /* the axis runs from TL_X0 ... */
	TL_X1 = TL_W - 14, /* ... to TL_X1 */
	TL_TODAY_H = 20,   /* the row of the "today" label, above everything */
	TL_LANE_H = 30,	   /* one row of labels: the label and, under it, its date */
	TL_GAP = 14,	   /* between the axis and the nearest row of labels */
	TL_MONTH_H = 22,   /* the row of month names, at the bottom */
	TL_LABEL_GAP = 8,  /* the least space between two labels in a row */
};

/* Estimated label widths (tenths of a pixel per character): the page cannot measure text, so
 * these are generous averages for the sans-serif fonts a council machine has at 11px and
 * 10px; too wide only costs a row, too narrow would overlap. */
#define TL_CH_LBL 64
#define TL_CH_SUB 58

static const char *mark_state_word(cf_deadline_state s)
{
	switch (s) {
	case CF_DL_MET:
		return "met";
	case CF_DL_MET_LATE:
		return "met late";
	case CF_DL_OVERDUE:
		return "overdue";
	case CF_DL_DUE_SOON:
		return "due soon";
	case CF_DL_OPEN:
		return "open";
	default:
		return cf_deadline_state_name(s);
	}
}

/* Fill and stroke of a deadline's diamond. */
static void mark_colors(cf_deadline_state s, const char **fill, const char **stroke)
{
	switch (s) {
	case CF_DL_MET:
		*fill = "#1e7b34", *stroke = "#114a1f";
		break;
	case CF_DL_MET_LATE:
		*fill = "#d9822b", *stroke = "#8a4b0f";
		break;
	case CF_DL_OVERDUE:
		*fill = "#b3261e", *stroke = "#6e1712";
		break;
	case CF_DL_DUE_SOON:
		*fill = "#f4b400", *stroke = "#8a6500";
		break;
	default:
		*fill = "#fff", *stroke = "#666";
		break;
	}
}

typedef struct tl_scale {
	int64_t lo, hi; /* the dates at TL_X0 and TL_X1 */
} tl_scale;

static int tl_x(const tl_scale *sc, int64_t d)
{
	int64_t span = sc->hi - sc->lo, w = TL_X1 - TL_X0;
	return TL_X0 + (int)(((d - sc->lo) * w * 2 + span) / (2 * span)); /* rounded */
}

/* Where a mark's label went: its row (0 nearest the axis), and the text's anchor point. */
typedef struct tl_label {
	int lane;
	int tx;
	int end; /* anchored at its end: the label hangs left of the mark near the right edge */
} tl_label;

typedef struct tl_span {
	int a, b;
} tl_span;

static const char *month_abbr(int m)
{
	static const char *const names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	return names[(m - 1) % 12];
}

static void put_sub_line(cf_buf *out, const cf_status_mark *m)
{
	put_date(out, m->date);
	if (m->is_deadline) {
		cf_buf_puts(out, " · ");
		cf_buf_puts(out, mark_state_word(m->state));
	}
}

/* A mark's label: its name and, under it, the date (and a deadline's state).  Each line is
 * drawn twice, first thick and white, then in ink, so that the leader lines and the grid
 * under it are masked where they cross the text; paint-order would do it in one element, but
 * Chromium's PDF output (print to PDF) ignores it. */
static void put_label(cf_buf *out, const cf_status_mark *m, int x, int top, int end)
{
	const char *ta = end ? " text-anchor=\"end\"" : "";
	const char *sub = m->is_deadline && m->state == CF_DL_OVERDUE ? "sub overdue" : "sub";
	for (int pass = 0; pass < 2; pass++) {
		const char *halo = pass == 0 ? " halo" : "";
		cf_buf_printf(out, "<text class=\"lbl%s\" x=\"%d\" y=\"%d\"%s>", halo, x, top + 12,
			      ta);
		put_text(out, m->label);
		cf_buf_printf(out, "</text><text class=\"%s%s\" x=\"%d\" y=\"%d\"%s>", sub, halo, x,
			      top + 24, ta);
		put_sub_line(out, m);
		cf_buf_puts(out, "</text>");
	}
}

/* Whether a label spanning s would overlap one of the n already placed in that row. */
static int lane_taken(const tl_span *placed, const int *side_of, const int *lane_of, size_t n,
		      int side, int lane, tl_span s)
{
	for (size_t j = 0; j < n; j++)
		if (side_of[j] == side && lane_of[j] == lane && s.a < placed[j].b + TL_LABEL_GAP &&
		    placed[j].a < s.b + TL_LABEL_GAP)
			return 1;
	return 0;
}

/* Labels go into rows (above the axis for milestones, below for deadlines), each into the row
 * nearest the axis where it overlaps no other label: dates close together (the first weeks of
 * a case are crowded) stack up instead of printing over each other. */
static void place_labels(const cf_status_row *r, const size_t *order, size_t n, const tl_scale *sc,
			 tl_label *lab, int *lanes_up, int *lanes_down)
{
	/* the labels placed so far, to test each new one against (few: O(n²) is nothing) */
	tl_span placed[CF_STATUS_MAX_MARKS];
	int placed_side[CF_STATUS_MAX_MARKS], placed_lane[CF_STATUS_MAX_MARKS];
	*lanes_up = *lanes_down = 0;
	for (size_t k = 0; k < n; k++) {
		size_t i = order[k];
		const cf_status_mark *m = &r->marks[i];
		int side = m->is_deadline ? 1 : 0;
		int x = tl_x(sc, m->date);
		int sub_cols = 10 + (m->is_deadline ? 3 + text_cols(mark_state_word(m->state)) : 0);
		int w1 = (text_cols(m->label) * TL_CH_LBL + 9) / 10;
		int w2 = (sub_cols * TL_CH_SUB + 9) / 10;
		int w = w1 > w2 ? w1 : w2;
		tl_span s;
		lab[i].end = x + 4 + w > TL_W - 2;
		if (lab[i].end) {
			lab[i].tx = x - 4;
			s.a = x - 4 - w;
			s.b = x;
		} else {
			lab[i].tx = x + 4;
			s.a = x;
			s.b = x + 4 + w;
		}
		/* k labels fill at most k rows, so one of the first k + 1 is free */
		int lane = 0;
		while (lane_taken(placed, placed_side, placed_lane, k, side, lane, s))
			lane++;
		placed[k] = s;
		placed_side[k] = side;
		placed_lane[k] = lane;
		lab[i].lane = lane;
		int *lanes = side ? lanes_down : lanes_up;
		if (lane + 1 > *lanes)
			*lanes = lane + 1;
	}
}

static void render_month_grid(cf_buf *out, const tl_scale *sc, int y_top, int y_axis, int y_bot)
{
	int y, m, d;
	cf_date_to_ymd((cf_date)sc->lo, &y, &m, &d);
	/* the first month boundary at or after the left edge */
	if (d != 1 && ++m > 12) {
		m = 1;
		y++;
	}
	int64_t months = (sc->hi - sc->lo) / 30 + 1;
	/* a label every 1, 2, 3, 6, 12 ... months, so that they stay ~70px or more apart */
	static const int steps[] = {1, 2, 3, 6, 12, 24, 60, 120, 600, 1200};
	int step = steps[0];
	for (size_t i = 0; i < sizeof(steps) / sizeof(*steps); i++) {
		step = steps[i];
		if (months / step * 70 <= TL_X1 - TL_X0)
			break;
	}
	/* a short timeline may show no month boundary, or only one near its right end: the
	 * month at the left edge is named too, when there is room before the first label */
	int y0 = m == 1 ? y - 1 : y, m0 = m == 1 ? 12 : m - 1;
	int named_left = 0;
	for (;;) {
		cf_date t;
		if (cf_date_from_ymd(&t, y, m, 1) != 0 || t > sc->hi)
			break;
		if (((int64_t)y * 12 + (m - 1)) % step == 0) {
			int x = tl_x(sc, t);
			if (!named_left && step == 1 && x - TL_X0 >= 70)
				cf_buf_printf(
				    out, "<text class=\"month\" x=\"%d\" y=\"%d\">%s %d</text>\n",
				    TL_X0, y_bot + 14, month_abbr(m0), y0);
			named_left = 1;
			cf_buf_printf(
			    out,
			    "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#e2e2e2\" "
			    "stroke-width=\"1\" />",
			    x, y_top, x, y_bot);
			cf_buf_printf(
			    out,
			    "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#555\" "
			    "stroke-width=\"1\" />",
			    x, y_axis - 4, x, y_axis + 4);
			/* a month name that would run off the right edge is left out */
			if (x + 3 + 50 <= TL_W)
				cf_buf_printf(
				    out, "<text class=\"month\" x=\"%d\" y=\"%d\">%s %d</text>",
				    x + 3, y_bot + 14, month_abbr(m), y);
			cf_buf_putc(out, '\n');
		}
		if (++m > 12) {
			m = 1;
			y++;
		}
	}
}

static void render_timeline(cf_buf *out, const cf_status_row *r, cf_date as_of)
{
	/* the marks in date order, whether or not the row's builder sorted them */
	size_t order[CF_STATUS_MAX_MARKS] = {0};
	size_t n = r->n_marks;
	if (n > CF_STATUS_MAX_MARKS)
		n = CF_STATUS_MAX_MARKS;
	if (n == 0)
		return; /* the caller says "No dates recorded yet." instead */
	for (size_t i = 0; i < n; i++) {
		size_t j = i;
		for (; j > 0 && r->marks[order[j - 1]].date > r->marks[i].date; j--)
			order[j] = order[j - 1];
		order[j] = i;
	}
	int64_t first = r->marks[order[0]].date, last = r->marks[order[n - 1]].date;
	if (r->opened != CF_DATE_NONE && r->opened < first)
		first = r->opened;
	if (as_of > last)
		last = as_of;
	if (as_of < first)
		first = as_of;
	/* room either side, so that the first and last marks are not on the frame */
	int64_t pad = (last - first) / 25 + 5;
	tl_scale sc = {first - pad, last + pad};

	tl_label lab[CF_STATUS_MAX_MARKS];
	int up, down;
	place_labels(r, order, n, &sc, lab, &up, &down);

	int y_axis = TL_TODAY_H + up * TL_LANE_H + TL_GAP + 4;
	int y_bot = y_axis + TL_GAP + down * TL_LANE_H + 4;
	int h = y_bot + TL_MONTH_H;
	size_t n_dl = 0, n_over = 0;
	for (size_t i = 0; i < n; i++) {
		n_dl += r->marks[i].is_deadline != 0;
		n_over += r->marks[i].is_deadline && r->marks[i].state == CF_DL_OVERDUE;
	}

	/* what a screen reader says for the picture as a whole */
	cf_buf summary = CF_BUF_INIT;
	cf_buf_puts(&summary, "Timeline of case ");
	cf_buf_puts(&summary, r->id);
	cf_buf_printf(&summary, ": %zu milestone%s and %zu deadline%s", n - n_dl, plural(n - n_dl),
		      n_dl, plural(n_dl));
	if (n_over)
		cf_buf_printf(&summary, " (%zu overdue)", n_over);
	cf_buf_puts(&summary, ", from ");
	put_date(&summary, r->marks[order[0]].date);
	cf_buf_puts(&summary, " to ");
	put_date(&summary, r->marks[order[n - 1]].date);
	cf_buf_puts(&summary, "; today is ");
	put_date(&summary, as_of);
	if (cf_buf_oom(&summary))
		out->oom = 1;

	cf_buf_printf(out,
		      "<svg class=\"timeline\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
		      "role=\"img\" aria-label=\"",
		      TL_W, h, TL_W, h);
	put_text(out, cf_buf_cstr(&summary));
	cf_buf_puts(out, "\">\n<title>");
	put_text(out, cf_buf_cstr(&summary));
	cf_buf_puts(out, "</title>\n");
	cf_buf_free(&summary);

	render_month_grid(out, &sc, TL_TODAY_H, y_axis, y_bot);
	cf_buf_printf(out,
		      "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#555\" "
		      "stroke-width=\"1.5\" />\n",
		      TL_X0, y_axis, TL_X1, y_axis);

	/* today: drawn under the marks and the labels, which carry a white halo over it */
	int xt = tl_x(&sc, as_of);
	cf_buf_printf(out,
		      "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#0b57d0\" "
		      "stroke-width=\"1.5\" stroke-dasharray=\"5 3\" />\n",
		      xt, TL_TODAY_H - 4, xt, y_bot);
	int today_w = (16 * TL_CH_SUB + 9) / 10;
	const char *anchor = xt - today_w / 2 < 2	   ? "start"
			     : xt + today_w / 2 > TL_W - 2 ? "end"
							   : "middle";
	cf_buf_printf(out, "<text class=\"today\" x=\"%d\" y=\"%d\" text-anchor=\"%s\">today ", xt,
		      TL_TODAY_H - 7, anchor);
	put_date(out, as_of);
	cf_buf_puts(out, "</text>\n");

	/* leader lines first, so that every mark and label is drawn over all of them */
	for (size_t i = 0; i < n; i++) {
		const cf_status_mark *m = &r->marks[i];
		int x = tl_x(&sc, m->date);
		int y_end = m->is_deadline ? y_axis + TL_GAP + (lab[i].lane + 1) * TL_LANE_H - 4
					   : y_axis - TL_GAP - (lab[i].lane + 1) * TL_LANE_H + 3;
		cf_buf_printf(out,
			      "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#9a9a9a\" "
			      "stroke-width=\"1\" />\n",
			      x, y_axis, x, y_end);
	}
	for (size_t i = 0; i < n; i++) {
		const cf_status_mark *m = &r->marks[i];
		int x = tl_x(&sc, m->date);
		cf_buf_puts(out, "<g><title>");
		put_text(out, m->label);
		cf_buf_puts(out, ": ");
		put_sub_line(out, m);
		cf_buf_puts(out, "</title>");
		if (m->is_deadline) {
			const char *fill, *stroke;
			mark_colors(m->state, &fill, &stroke);
			cf_buf_printf(out,
				      "<polygon points=\"%d,%d %d,%d %d,%d %d,%d\" fill=\"%s\" "
				      "stroke=\"%s\" stroke-width=\"1.5\" />",
				      x, y_axis - 7, x + 7, y_axis, x, y_axis + 7, x - 7, y_axis,
				      fill, stroke);
		} else {
			cf_buf_printf(out,
				      "<circle cx=\"%d\" cy=\"%d\" r=\"5\" fill=\"#1f3b73\" "
				      "stroke=\"#fff\" stroke-width=\"1\" />",
				      x, y_axis);
		}
		/* the label's row: its top edge, counted away from the axis */
		int top = m->is_deadline ? y_axis + TL_GAP + lab[i].lane * TL_LANE_H
					 : y_axis - TL_GAP - (lab[i].lane + 1) * TL_LANE_H;
		put_label(out, m, lab[i].tx, top, lab[i].end);
		cf_buf_puts(out, "</g>\n");
	}
	cf_buf_puts(out, "</svg>\n");
}

/* ---- a section per case ----------------------------------------------------------------- */

static void render_case(cf_buf *out, const cf_status_row *r, cf_date as_of)
{
	cf_buf_puts(out, "<section class=\"case\" id=\"");
	put_anchor(out, r->id);
	cf_buf_puts(out, "\">\n<h3>");
	put_text(out, r->id);
	if (r->title[0]) {
		cf_buf_puts(out, " · ");
		put_text(out, r->title);
	}
	cf_buf_puts(out, " ");
	put_rag(out, r->rag);
	cf_buf_puts(out, "</h3>\n<p class=\"meta\">");
	const char *sep = "";
	if (r->route[0]) {
		cf_buf_puts(out, "Route ");
		put_text(out, r->route);
		sep = " · ";
	}
	if (r->stage[0]) {
		cf_buf_printf(out, "%sStage ", sep);
		put_text(out, r->stage);
		sep = " · ";
	}
	if (r->opened != CF_DATE_NONE) {
		cf_buf_printf(out, "%sOpened ", sep);
		put_date(out, r->opened);
		if (r->open_days >= 0)
			cf_buf_printf(out, " (%d working day%s)", r->open_days,
				      plural((size_t)r->open_days));
		sep = " · ";
	}
	if (r->has_next) {
		cf_buf_printf(out, "%sNext: ", sep);
		put_text(out, r->next_title);
		cf_buf_puts(out, ", due ");
		put_date(out, r->next_due);
		if (r->next_state == CF_DL_OVERDUE)
			cf_buf_printf(out,
				      " (<span class=\"late\">%d working day%s overdue</span>)",
				      r->next_days, plural((size_t)r->next_days));
		else
			cf_buf_printf(out, " (%d working day%s left)", r->next_days,
				      plural((size_t)r->next_days));
		sep = " · ";
	}
	if (r->errors || r->warnings)
		cf_buf_printf(out, "%s%zu error%s, %zu warning%s", sep, r->errors,
			      plural(r->errors), r->warnings, plural(r->warnings));
	cf_buf_puts(out, "</p>\n");
	if (r->n_marks)
		render_timeline(out, r, as_of);
	else
		cf_buf_puts(out, "<p class=\"none\">No dates recorded yet.</p>\n");
	cf_buf_puts(out, "</section>\n");
}

/* The shapes and colours of the timelines, in words: colour is never the only signal. */
static void render_key(cf_buf *out)
{
	cf_buf_puts(out, "<p class=\"key\">"
			 "<span><i class=\"k-dot\"></i>milestone reached</span>"
			 "<span><i class=\"k-dia k-met\"></i>deadline met</span>"
			 "<span><i class=\"k-dia k-late\"></i>met late</span>"
			 "<span><i class=\"k-dia k-soon\"></i>due soon</span>"
			 "<span><i class=\"k-dia k-over\"></i>overdue</span>"
			 "<span><i class=\"k-dia k-open\"></i>open (due later)</span>"
			 "<span><i class=\"k-today\"></i>today</span>"
			 "</p>\n");
}

void cf_status_render_html(cf_buf *out, const cf_status *st)
{
	render_head(out, st);
	render_header(out, st);
	cf_buf_puts(out, "<main>\n");
	render_table(out, st);
	size_t shown = 0;
	for (size_t i = 0; i < st->n; i++)
		shown += !st->rows[i].locked;
	if (shown) {
		cf_buf_puts(out, "<h2 class=\"timelines\">Timelines</h2>\n");
		render_key(out);
		for (size_t i = 0; i < st->n; i++)
			if (!st->rows[i].locked)
				render_case(out, &st->rows[i], st->as_of);
	}
	cf_buf_puts(out, "</main>\n");
	render_footer(out);
	cf_buf_puts(out, "</body>\n</html>\n");
}

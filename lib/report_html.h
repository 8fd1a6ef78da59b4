/* lib/report_html: the status report as one self-contained, print-friendly HTML page (inline
 * CSS, no scripts, nothing fetched), with an SVG timeline of each case's milestones and
 * deadlines against the as-of day. */
#ifndef CF_REPORT_HTML_H
#define CF_REPORT_HTML_H

#include "buf.h"

struct cf_status;

void cf_status_render_html(cf_buf *out, const struct cf_status *st);

#endif

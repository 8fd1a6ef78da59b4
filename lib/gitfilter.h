/* lib/gitfilter: git's long-running filter process protocol, version 2 (gitattributes(5),
 * "Long Running Filter Process"; the pkt-line framing of gitprotocol-common(5)).  Git starts
 * `filter.<driver>.process` once per command and sends it every file to clean or smudge over
 * one pair of pipes, so a checkout of thousands of files starts one process.
 *
 * pkt-line: four hex digits giving the packet's length including those four bytes, then the
 * payload (at most CF_PKT_MAX_PAYLOAD bytes); "0000" is a flush, which ends a list.  Lengths
 * 0001-0003, over 65520 or not hex are malformed.  Text packets end in LF when git sends them
 * (the LF is dropped; a missing one is accepted).
 *
 *   git> git-filter-client, version=2 [, version=N ...], flush
 *   us>  git-filter-server, version=2, flush
 *   git> capability=clean, capability=smudge [, capability=delay ...], flush
 *   us>  those of capability=clean and capability=smudge that git offered, flush
 * then, for every file:
 *   git> command=clean|smudge, pathname=PATH [, other keys: ignored], flush
 *   git> the content in packets, flush
 *   us>  status=success, flush, the result in packets, flush, flush (an empty list: the
 *        status stays "success")
 *     or status=error, flush (git reports the file and goes on with the next)
 *
 * The whole result is computed before the status is sent, so git never gets half a file.  The
 * engine knows nothing of keys: a callback turns content into content.  It reads and writes
 * file descriptors (stdin/stdout for git; a socketpair in the tests), retries EINTR and short
 * reads and writes, and holds the content it receives -- case plaintext when cleaning -- in
 * sodium_malloc memory (call cf_init first), wiped after each file.  Its I/O is buffered:
 * input is read in blocks of 64 KiB, and what it sends is held (in sodium_malloc memory, wiped
 * once sent) until the protocol waits for git -- the end of a handshake list or of a reply --
 * so a small file costs one read and one write; the bytes on the wire are those of one write
 * per packet. */
#ifndef CF_GITFILTER_H
#define CF_GITFILTER_H

#include <stddef.h>

#include "buf.h"

#define CF_PKT_MAX_PACKET 65520
#define CF_PKT_MAX_PAYLOAD (CF_PKT_MAX_PACKET - 4)
/* The largest content accepted from git by default: a larger file gets status=error. */
#define CF_GITFILTER_MAX_CONTENT ((size_t)64 * 1024 * 1024)

/* Turns the content of one file into its result.  smudge is 1 for a smudge (repository to
 * working tree), 0 for a clean; path is the repository path git named; in is followed by a NUL
 * that len does not count.  On success sets *out and *out_len to the result -- memory the
 * callback owns, valid until its next call or the end of cf_gitfilter_run; it may be in
 * itself -- and returns 0.  A negative return makes the engine answer status=error (the
 * callback says why, if it wants to). */
typedef int (*cf_gitfilter_fn)(const char **out, size_t *out_len, int smudge, const char *path,
			       const char *in, size_t len, void *arg);
/* Told about a file the engine itself refused (too large), before it answers status=error. */
typedef void (*cf_gitfilter_notice_fn)(const char *path, const char *message, void *arg);

typedef struct cf_gitfilter {
	int in_fd;	    /* what git writes (the filter's stdin) */
	int out_fd;	    /* what git reads (the filter's stdout) */
	size_t max_content; /* 0: CF_GITFILTER_MAX_CONTENT */
	cf_gitfilter_fn fn;
	cf_gitfilter_notice_fn notice; /* may be NULL */
	void *arg;		       /* passed to fn and notice */
} cf_gitfilter;

/* Speaks the protocol until git closes in_fd between two requests (or before the handshake):
 * then returns 0.  A malformed packet, a broken handshake, a request without a command or
 * path, the end of input inside a request, or a failed read or write returns -1 and appends
 * one line saying what went wrong to err (which may be NULL).  Content over max_content and
 * callback failures are answered with status=error and do not end the loop. */
int cf_gitfilter_run(const cf_gitfilter *gf, cf_buf *err);

#endif

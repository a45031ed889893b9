/* sources/file.h — reads configuration items from files, streaming.
 *
 * Accepted inputs (detected from the first non-blank byte, gzip detected by magic):
 *   - JSON Lines: one CI per line (blank lines ignored);
 *   - a JSON array of CIs;
 *   - an AWS delivered ConfigSnapshot / ConfigHistory file: {"fileVersion":..,
 *     "configurationItems":[CI...]} (any other object with a "configurationItems" array too,
 *     e.g. a recorded GetResourceConfigHistory response; a single CI object is one CI);
 *   - any of those gzip-compressed (.gz or not).
 * Arrays are split element by element with a small scanner, so memory stays flat whatever
 * the file size: only one CI text is held at a time (at most PL_FILE_MAX_CI bytes).
 */
#ifndef PL_RECORDER_SOURCES_FILE_H
#define PL_RECORDER_SOURCES_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define PL_FILE_MAX_CI (64u << 20) /* one CI text at most 64 MB */

struct pl_ci_reader;

/* Opens path ("-" for stdin). *out belongs to the caller (pl_ci_reader_close). */
int pl_ci_reader_open(const char *path, struct pl_ci_reader **out, struct pl_err *err);
/* Opens over a memory buffer (not copied; must outlive the reader). For tests and fuzzing. */
int pl_ci_reader_open_mem(const char *data, size_t len, struct pl_ci_reader **out,
                          struct pl_err *err);
/* Next CI text: 1 and *text, *len (borrowed, valid until the next call; NUL-terminated),
 * 0 at the end, -1 on a read or syntax error (err: "file:line: ..."). */
int pl_ci_reader_next(struct pl_ci_reader *r, const char **text, size_t *len,
                      struct pl_err *err);
/* The member of a top-level object whose array elements are handed out one by one (default
 * "configurationItems"; CloudTrail log files use "Records"). key is copied (at most 60 bytes).
 * Call before the first pl_ci_reader_next. */
void pl_ci_reader_set_items_key(struct pl_ci_reader *r, const char *key);
/* Bytes consumed so far from the (decompressed) input, and the input file size if known (-1). */
uint64_t pl_ci_reader_offset(const struct pl_ci_reader *r);
int64_t pl_ci_reader_size(const struct pl_ci_reader *r); /* compressed size on disk */
uint64_t pl_ci_reader_raw_offset(const struct pl_ci_reader *r); /* bytes read from disk */
/* Line of the start of the last CI returned (1-based), for messages. */
long pl_ci_reader_line(const struct pl_ci_reader *r);
void pl_ci_reader_close(struct pl_ci_reader *r);

#endif

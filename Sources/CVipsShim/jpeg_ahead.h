#ifndef WM_JPEG_AHEAD_H
#define WM_JPEG_AHEAD_H

#include <vips/vips.h>

/// The pixels of the 8-bit grey or RGB JPEG at `path`, decoded by libjpeg on a thread of its own
/// that runs ahead of the pipeline into a ring of rows. `header` is libvips' jpegload image of the
/// same file, opened with fail_on=error and never evaluated: the result has its fields and
/// metadata, and the same pixels, failures and error messages as evaluating it would give. The
/// file is opened again here, once, while `path` still names the file `header` was read from
/// (`/proc/self/fd/N` names the descriptor's own file); every later read goes to that descriptor.
/// Read it in order (it is sequential, as jpegload's sequential access is). The thread starts with
/// the first pixel request and is stopped and joined when the image closes.
///
/// Returns NULL, with nothing to release and no error set, when `header` is not an 8-bit grey or
/// RGB JPEG or the file cannot be opened again: the caller then reads `header` itself.
VipsImage *wm_jpeg_ahead_new(const char *path, VipsImage *header);

#endif

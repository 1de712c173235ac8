#ifndef WM_FAST_REDUCE_H
#define WM_FAST_REDUCE_H

#include <vips/vips.h>

/// Shrinks an 8-bit image with 1 or 3 bands horizontally by `hshrink` (1 < hshrink <= 8) with a
/// Lanczos-3 kernel, as `vips_reduceh` does, but with vectorised float arithmetic: libvips 8.14
/// reduces rows one sample at a time, which costs more than decoding a JPEG. Other images are
/// handed to `vips_reduceh`.
int wm_reduceh_lanczos3(VipsImage *in, VipsImage **out, double hshrink);

#endif

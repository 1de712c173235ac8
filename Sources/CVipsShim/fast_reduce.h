#ifndef WM_FAST_REDUCE_H
#define WM_FAST_REDUCE_H

#include <vips/vips.h>

/// Shrinks an 8-bit image with 1 or 3 bands horizontally by `hshrink` (1 < hshrink <= 8) with a
/// Lanczos-3 kernel, as `vips_reduceh` does, but vectorised: libvips 8.14 reduces rows one sample
/// at a time, which costs more than decoding a JPEG. RGB on machines with AVX2 is computed in
/// 16-bit fixed point (weights in 1/16384ths: within one level of the float result), everything
/// else in float. Other images are handed to `vips_reduceh`.
int wm_reduceh_lanczos3(VipsImage *in, VipsImage **out, double hshrink);

#endif

#ifndef CBASE64_H
#define CBASE64_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The encoding kernels. Each produces exactly the same bytes; they differ in speed only.
typedef enum {
    WM_BASE64_KERNEL_SCALAR = 0,
    /// x86_64 with AVX2: 24 input bytes per vector.
    WM_BASE64_KERNEL_AVX2 = 1,
    /// x86_64 with AVX-512 VBMI (Ice Lake, Zen 4 and later): 48 input bytes per vector.
    WM_BASE64_KERNEL_AVX512_VBMI = 2,
    /// arm64 Advanced SIMD: 48 input bytes per step.
    WM_BASE64_KERNEL_NEON = 3,
} wm_base64_kernel;

/// Whether `kernel` was compiled in and this CPU (and OS) can run it.
int wm_base64_kernel_supported(wm_base64_kernel kernel);

/// The fastest kernel this machine runs.
wm_base64_kernel wm_base64_best_kernel(void);

/// Encodes with a given kernel. Returns `SIZE_MAX` without writing anything when the kernel is
/// not supported here (see `wm_base64_kernel_supported`).
size_t wm_base64_encode_kernel(wm_base64_kernel kernel, const uint8_t *source, size_t length,
                               char *destination);

#ifdef __cplusplus
}
#endif

#endif

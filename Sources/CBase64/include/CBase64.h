#ifndef CBASE64_H
#define CBASE64_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The encoded length of `length` input bytes: RFC 4648 standard alphabet, padded.
static inline size_t wm_base64_encoded_length(size_t length) { return (length + 2) / 3 * 4; }

/// Encodes `length` bytes from `source` into `destination`, which must hold
/// `wm_base64_encoded_length(length)` bytes. Returns the number of bytes written.
///
/// Uses the fastest kernel this CPU supports, chosen once at the first call.
size_t wm_base64_encode(const uint8_t *source, size_t length, char *destination);

/// The same, always with the portable scalar code (for tests and comparison).
size_t wm_base64_encode_scalar(const uint8_t *source, size_t length, char *destination);

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

/// The kernel `wm_base64_encode` uses on this machine.
wm_base64_kernel wm_base64_best_kernel(void);

/// Encodes with a given kernel. Returns `SIZE_MAX` without writing anything when the kernel is
/// not supported here (see `wm_base64_kernel_supported`).
size_t wm_base64_encode_kernel(wm_base64_kernel kernel, const uint8_t *source, size_t length,
                               char *destination);

#if defined(__x86_64__) || defined(_M_X64)
/// Direct entry points, for tests. Calling one on a CPU without the feature is undefined
/// (an illegal instruction): check `wm_base64_kernel_supported` first.
size_t wm_base64_encode_avx2(const uint8_t *source, size_t length, char *destination);
size_t wm_base64_encode_avx512vbmi(const uint8_t *source, size_t length, char *destination);
#endif

#if defined(__aarch64__) || defined(_M_ARM64)
size_t wm_base64_encode_neon(const uint8_t *source, size_t length, char *destination);
#endif

#ifdef __cplusplus
}
#endif

#endif

// RFC 4648 base64 (standard alphabet, padded, no line breaks) with SIMD kernels chosen at run
// time. The package is built without -march flags, so each vector kernel is compiled for its own
// target with __attribute__((target)) and only called after __builtin_cpu_supports agrees; any
// x86_64 or arm64 CPU runs the binary.
//
// Every kernel encodes whole 3-byte groups with vectors while enough input remains for its
// (over-reading) loads, then hands the rest, padding included, to the scalar code, so the
// vector loops never see a partial group and never read past the end of `source`.

#include "CBase64.h"

#if defined(__x86_64__) || defined(_M_X64)
#define WM_X86_64 1
#include <immintrin.h>
#endif

#if defined(__aarch64__) || defined(_M_ARM64)
#define WM_ARM64 1
#include <arm_neon.h>
#endif

#if defined(__has_attribute)
#if __has_attribute(nonstring)
#define WM_NONSTRING __attribute__((nonstring))
#endif
#endif
#ifndef WM_NONSTRING
#define WM_NONSTRING
#endif

// Exactly 64 bytes, no terminator: the AVX-512 and NEON kernels load it as a lookup table.
static const char wm_alphabet[64] WM_NONSTRING =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static size_t wm_base64_encode_scalar(const uint8_t *source, size_t length, char *destination) {
    char *out = destination;
    size_t index = 0;
    for (; index + 3 <= length; index += 3) {
        uint32_t triple = ((uint32_t)source[index] << 16) | ((uint32_t)source[index + 1] << 8) |
                          (uint32_t)source[index + 2];
        out[0] = wm_alphabet[(triple >> 18) & 0x3F];
        out[1] = wm_alphabet[(triple >> 12) & 0x3F];
        out[2] = wm_alphabet[(triple >> 6) & 0x3F];
        out[3] = wm_alphabet[triple & 0x3F];
        out += 4;
    }
    size_t remaining = length - index;
    if (remaining == 1) {
        uint32_t triple = (uint32_t)source[index] << 16;
        out[0] = wm_alphabet[(triple >> 18) & 0x3F];
        out[1] = wm_alphabet[(triple >> 12) & 0x3F];
        out[2] = '=';
        out[3] = '=';
        out += 4;
    } else if (remaining == 2) {
        uint32_t triple = ((uint32_t)source[index] << 16) | ((uint32_t)source[index + 1] << 8);
        out[0] = wm_alphabet[(triple >> 18) & 0x3F];
        out[1] = wm_alphabet[(triple >> 12) & 0x3F];
        out[2] = wm_alphabet[(triple >> 6) & 0x3F];
        out[3] = '=';
        out += 4;
    }
    return (size_t)(out - destination);
}

#ifdef WM_X86_64

// AVX2 (after Muła and Lemire, "Faster Base64 Encoding and Decoding Using AVX2 Instructions").
// Each 128-bit lane takes 12 input bytes, loaded as 16, so a block reads 28 bytes for 24 used.
#define WM_AVX2 __attribute__((target("avx2")))

WM_AVX2 static inline __m256i wm_avx2_load_block(const uint8_t *source) {
    __m128i low = _mm_loadu_si128((const __m128i *)source);
    __m128i high = _mm_loadu_si128((const __m128i *)(source + 12));
    return _mm256_inserti128_si256(_mm256_castsi128_si256(low), high, 1);
}

WM_AVX2 static inline __m256i wm_avx2_encode_block(__m256i input) {
    // Each 32-bit lane gets the bytes of one group as [b1 b0 b2 b1], so that every 6-bit index
    // sits inside one 16-bit half and can be moved into place with a 16-bit multiply.
    const __m256i spread = _mm256_setr_epi8(1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10,  //
                                            1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10);
    __m256i groups = _mm256_shuffle_epi8(input, spread);
    __m256i high_fields = _mm256_mulhi_epu16(_mm256_and_si256(groups, _mm256_set1_epi32(0x0fc0fc00)),
                                             _mm256_set1_epi32(0x04000040));
    __m256i low_fields = _mm256_mullo_epi16(_mm256_and_si256(groups, _mm256_set1_epi32(0x003f03f0)),
                                            _mm256_set1_epi32(0x01000010));
    __m256i indices = _mm256_or_si256(high_fields, low_fields);

    // Index → ASCII is index plus an offset that depends on the range the index falls in:
    // 0-25 'A', 26-51 'a'-26, 52-61 '0'-52, 62 '+'-62, 63 '/'-63. Map each index to a small
    // selector (13, 0, 1-10, 11, 12) and look its offset up with one byte shuffle.
    __m256i selector = _mm256_subs_epu8(indices, _mm256_set1_epi8(51));
    __m256i is_upper = _mm256_cmpgt_epi8(_mm256_set1_epi8(26), indices);
    selector = _mm256_or_si256(selector, _mm256_and_si256(is_upper, _mm256_set1_epi8(13)));
    const __m256i offsets = _mm256_setr_epi8(
        'a' - 26, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52,
        '0' - 52, '0' - 52, '+' - 62, '/' - 63, 'A', 0, 0,  //
        'a' - 26, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52,
        '0' - 52, '0' - 52, '+' - 62, '/' - 63, 'A', 0, 0);
    return _mm256_add_epi8(indices, _mm256_shuffle_epi8(offsets, selector));
}

WM_AVX2 static size_t wm_base64_encode_avx2(const uint8_t *source, size_t length, char *destination) {
    const uint8_t *in = source;
    char *out = destination;
    size_t remaining = length;
    // Four independent blocks per iteration keep both vector ports busy; the last block's
    // second load ends 4 bytes past its 96th byte.
    while (remaining >= 96 + 4) {
        __m256i r0 = wm_avx2_encode_block(wm_avx2_load_block(in));
        __m256i r1 = wm_avx2_encode_block(wm_avx2_load_block(in + 24));
        __m256i r2 = wm_avx2_encode_block(wm_avx2_load_block(in + 48));
        __m256i r3 = wm_avx2_encode_block(wm_avx2_load_block(in + 72));
        _mm256_storeu_si256((__m256i *)out, r0);
        _mm256_storeu_si256((__m256i *)(out + 32), r1);
        _mm256_storeu_si256((__m256i *)(out + 64), r2);
        _mm256_storeu_si256((__m256i *)(out + 96), r3);
        in += 96;
        out += 128;
        remaining -= 96;
    }
    while (remaining >= 24 + 4) {
        _mm256_storeu_si256((__m256i *)out, wm_avx2_encode_block(wm_avx2_load_block(in)));
        in += 24;
        out += 32;
        remaining -= 24;
    }
    return (size_t)(out - destination) + wm_base64_encode_scalar(in, remaining, out);
}

// AVX-512 VBMI (after Muła and Lemire, "Base64 encoding and decoding at almost the speed of a
// memory copy"): one byte permute spreads 48 bytes into 16 groups, one multishift extracts the 64
// indices, one byte permute over the 64-byte alphabet turns them into ASCII.
#define WM_AVX512_VBMI __attribute__((target("avx512f,avx512bw,avx512vbmi")))

WM_AVX512_VBMI static inline __m512i wm_avx512_encode_block(const uint8_t *source, __m512i spread,
                                                            __m512i shifts, __m512i alphabet) {
    __m512i groups = _mm512_permutexvar_epi8(spread, _mm512_loadu_si512((const void *)source));
    __m512i indices = _mm512_multishift_epi64_epi8(shifts, groups);
    return _mm512_permutexvar_epi8(indices, alphabet);
}

WM_AVX512_VBMI static size_t wm_base64_encode_avx512vbmi(const uint8_t *source, size_t length,
                                                         char *destination) {
    // Group i's bytes land in 32-bit lane i as [b1 b0 b2 b1]; the multishift offsets (10, 4, 22,
    // 16, and +32 for the upper lane) then pick a, b, c, d in output order.
    const __m512i spread = _mm512_setr_epi32(
        0x01020001, 0x04050304, 0x07080607, 0x0a0b090a, 0x0d0e0c0d, 0x10110f10, 0x13141213,
        0x16171516, 0x191a1819, 0x1c1d1b1c, 0x1f201e1f, 0x22232122, 0x25262425, 0x28292728,
        0x2b2c2a2b, 0x2e2f2d2e);
    const __m512i shifts = _mm512_set1_epi64((long long)0x3036242a1016040aULL);
    const __m512i alphabet = _mm512_loadu_si512((const void *)wm_alphabet);

    const uint8_t *in = source;
    char *out = destination;
    size_t remaining = length;
    // Each block loads 64 bytes and uses 48.
    while (remaining >= 3 * 48 + 64) {
        __m512i r0 = wm_avx512_encode_block(in, spread, shifts, alphabet);
        __m512i r1 = wm_avx512_encode_block(in + 48, spread, shifts, alphabet);
        __m512i r2 = wm_avx512_encode_block(in + 96, spread, shifts, alphabet);
        __m512i r3 = wm_avx512_encode_block(in + 144, spread, shifts, alphabet);
        _mm512_storeu_si512((void *)out, r0);
        _mm512_storeu_si512((void *)(out + 64), r1);
        _mm512_storeu_si512((void *)(out + 128), r2);
        _mm512_storeu_si512((void *)(out + 192), r3);
        in += 192;
        out += 256;
        remaining -= 192;
    }
    while (remaining >= 64) {
        _mm512_storeu_si512((void *)out, wm_avx512_encode_block(in, spread, shifts, alphabet));
        in += 48;
        out += 64;
        remaining -= 48;
    }
    return (size_t)(out - destination) + wm_base64_encode_scalar(in, remaining, out);
}

static int wm_x86_supports(wm_base64_kernel kernel) {
    __builtin_cpu_init();
    switch (kernel) {
    case WM_BASE64_KERNEL_AVX2:
        return __builtin_cpu_supports("avx2");
    case WM_BASE64_KERNEL_AVX512_VBMI:
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512vbmi");
    default:
        return 0;
    }
}

#endif // WM_X86_64

#ifdef WM_ARM64

// Advanced SIMD is part of every arm64 CPU: de-interleaving loads and interleaving stores do the
// shuffling, a 64-byte table lookup does the alphabet.
static size_t wm_base64_encode_neon(const uint8_t *source, size_t length, char *destination) {
    const uint8x16x4_t alphabet = vld1q_u8_x4((const uint8_t *)wm_alphabet);
    const uint8x16_t low6 = vdupq_n_u8(0x3F);
    const uint8_t *in = source;
    char *out = destination;
    size_t remaining = length;
    while (remaining >= 48) {
        uint8x16x3_t bytes = vld3q_u8(in);
        uint8x16x4_t indices;
        indices.val[0] = vshrq_n_u8(bytes.val[0], 2);
        indices.val[1] = vandq_u8(vsriq_n_u8(vshlq_n_u8(bytes.val[0], 4), bytes.val[1], 4), low6);
        indices.val[2] = vandq_u8(vsriq_n_u8(vshlq_n_u8(bytes.val[1], 2), bytes.val[2], 6), low6);
        indices.val[3] = vandq_u8(bytes.val[2], low6);
        uint8x16x4_t ascii;
        ascii.val[0] = vqtbl4q_u8(alphabet, indices.val[0]);
        ascii.val[1] = vqtbl4q_u8(alphabet, indices.val[1]);
        ascii.val[2] = vqtbl4q_u8(alphabet, indices.val[2]);
        ascii.val[3] = vqtbl4q_u8(alphabet, indices.val[3]);
        vst4q_u8((uint8_t *)out, ascii);
        in += 48;
        out += 64;
        remaining -= 48;
    }
    return (size_t)(out - destination) + wm_base64_encode_scalar(in, remaining, out);
}

#endif // WM_ARM64

int wm_base64_kernel_supported(wm_base64_kernel kernel) {
    switch (kernel) {
    case WM_BASE64_KERNEL_SCALAR:
        return 1;
#ifdef WM_X86_64
    case WM_BASE64_KERNEL_AVX2:
    case WM_BASE64_KERNEL_AVX512_VBMI:
        return wm_x86_supports(kernel);
#endif
#ifdef WM_ARM64
    case WM_BASE64_KERNEL_NEON:
        return 1;
#endif
    default:
        return 0;
    }
}

wm_base64_kernel wm_base64_best_kernel(void) {
    // AVX-512 VBMI first: on Zen 4 and on Intel since Ice Lake it does twice the work per
    // instruction of AVX2 without the frequency drop of older AVX-512 parts.
    if (wm_base64_kernel_supported(WM_BASE64_KERNEL_AVX512_VBMI)) return WM_BASE64_KERNEL_AVX512_VBMI;
    if (wm_base64_kernel_supported(WM_BASE64_KERNEL_AVX2)) return WM_BASE64_KERNEL_AVX2;
    if (wm_base64_kernel_supported(WM_BASE64_KERNEL_NEON)) return WM_BASE64_KERNEL_NEON;
    return WM_BASE64_KERNEL_SCALAR;
}

typedef size_t (*wm_base64_encoder)(const uint8_t *, size_t, char *);

static wm_base64_encoder wm_encoder_for(wm_base64_kernel kernel) {
    switch (kernel) {
#ifdef WM_X86_64
    case WM_BASE64_KERNEL_AVX2:
        return wm_base64_encode_avx2;
    case WM_BASE64_KERNEL_AVX512_VBMI:
        return wm_base64_encode_avx512vbmi;
#endif
#ifdef WM_ARM64
    case WM_BASE64_KERNEL_NEON:
        return wm_base64_encode_neon;
#endif
    default:
        return wm_base64_encode_scalar;
    }
}

size_t wm_base64_encode_kernel(wm_base64_kernel kernel, const uint8_t *source, size_t length,
                               char *destination) {
    if (!wm_base64_kernel_supported(kernel)) return SIZE_MAX;
    return wm_encoder_for(kernel)(source, length, destination);
}

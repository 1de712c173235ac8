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
size_t wm_base64_encode(const uint8_t *source, size_t length, char *destination);

/// The same, always with the portable scalar code (for tests and comparison).
size_t wm_base64_encode_scalar(const uint8_t *source, size_t length, char *destination);

#ifdef __cplusplus
}
#endif

#endif

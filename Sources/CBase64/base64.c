#include "CBase64.h"

static const char wm_alphabet[64] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t wm_base64_encode_scalar(const uint8_t *source, size_t length, char *destination) {
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

size_t wm_base64_encode(const uint8_t *source, size_t length, char *destination) {
    return wm_base64_encode_scalar(source, length, destination);
}

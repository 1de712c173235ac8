#include "CVipsShim.h"
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

// A zlib stream inflated through one small buffer: what it inflates to is counted, its first bytes
// kept when asked for, and inflating stops once the count passes the bound. A decompression bomb
// then costs the bound's worth of work and a fixed amount of memory, whatever it expands to.

struct wm_inflation {
    z_stream stream;
    uint64_t limit;
    uint64_t total;
    uint8_t *kept;
    size_t kept_length;
    size_t keep_capacity;
    int state;
};

wm_inflation *wm_inflation_new(uint64_t limit, size_t keep_capacity) {
    wm_inflation *inflation = calloc(1, sizeof(wm_inflation));
    if (inflation == NULL) {
        return NULL;
    }
    if (inflateInit(&inflation->stream) != Z_OK) {
        free(inflation);
        return NULL;
    }
    inflation->limit = limit;
    inflation->keep_capacity = keep_capacity;
    inflation->state = WM_INFLATION_MORE;
    return inflation;
}

static int wm_inflation_keep(wm_inflation *inflation, const uint8_t *bytes, size_t length) {
    size_t room = inflation->keep_capacity - inflation->kept_length;
    size_t wanted = length < room ? length : room;
    if (wanted == 0) {
        return 0;
    }
    // Grown as the output arrives, so a short text costs what it holds, not the capacity.
    uint8_t *grown = realloc(inflation->kept, inflation->kept_length + wanted);
    if (grown == NULL) {
        return -1;
    }
    inflation->kept = grown;
    memcpy(inflation->kept + inflation->kept_length, bytes, wanted);
    inflation->kept_length += wanted;
    return 0;
}

int wm_inflation_feed(wm_inflation *inflation, const void *input, size_t length) {
    if (inflation->state != WM_INFLATION_MORE) {
        return inflation->state;
    }
    uint8_t buffer[16384];
    const uint8_t *bytes = input;
    for (;;) {
        if (inflation->stream.avail_in == 0 && length > 0) {
            uInt piece = length > UINT32_MAX ? UINT32_MAX : (uInt)length;
            inflation->stream.next_in = (Bytef *)bytes;
            inflation->stream.avail_in = piece;
            bytes += piece;
            length -= piece;
        }
        inflation->stream.next_out = buffer;
        inflation->stream.avail_out = sizeof buffer;
        int result = inflate(&inflation->stream, Z_NO_FLUSH);
        size_t produced = sizeof buffer - inflation->stream.avail_out;
        inflation->total += produced;
        if (produced > 0 && wm_inflation_keep(inflation, buffer, produced) != 0) {
            inflation->state = WM_INFLATION_DAMAGED;
        } else if (inflation->total > inflation->limit) {
            inflation->state = WM_INFLATION_PAST_LIMIT;
        } else if (result == Z_STREAM_END) {
            inflation->state = WM_INFLATION_END;
        } else if (result != Z_OK && !(result == Z_BUF_ERROR && inflation->stream.avail_in == 0)) {
            inflation->state = WM_INFLATION_DAMAGED;
        }
        if (inflation->state != WM_INFLATION_MORE) {
            break;
        }
        // All input taken and the buffer not filled: zlib holds nothing more until it is fed again.
        if (inflation->stream.avail_in == 0 && length == 0 && inflation->stream.avail_out != 0) {
            break;
        }
    }
    // The stream keeps no pointer into input it was not asked to hold on to.
    inflation->stream.next_in = NULL;
    inflation->stream.avail_in = 0;
    return inflation->state;
}

uint64_t wm_inflation_total(const wm_inflation *inflation) { return inflation->total; }

const uint8_t *wm_inflation_kept(const wm_inflation *inflation, size_t *length) {
    *length = inflation->kept_length;
    return inflation->kept;
}

void wm_inflation_free(wm_inflation *inflation) {
    if (inflation == NULL) {
        return;
    }
    inflateEnd(&inflation->stream);
    free(inflation->kept);
    free(inflation);
}

#ifndef CVIPSSHIM_H
#define CVIPSSHIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Initialises libvips once per process (thread-safe, idempotent) and blocks
/// the loaders libvips marks as untrusted. Returns 0 on success.
int wm_vips_init(void);

/// Copies and clears libvips' error buffer. The result is owned by the
/// caller and must be released with `wm_vips_free`. Never NULL.
char *wm_vips_error_take(void);

void wm_vips_free(void *pointer);

/// zlib's CRC-32 of `length` bytes, continuing from `crc` (0 to start).
uint32_t wm_crc32(uint32_t crc, const void *data, size_t length);

/// A zlib stream inflated with a bound: what it inflates to is counted through one small buffer,
/// its first `keep_capacity` bytes are kept, and inflating stops once the count passes `limit`.
typedef struct wm_inflation wm_inflation;

enum {
    /// The stream wants more input.
    WM_INFLATION_MORE = 0,
    /// The stream ended within the bound.
    WM_INFLATION_END = 1,
    /// The stream inflated past the bound; inflating stopped there.
    WM_INFLATION_PAST_LIMIT = 2,
    /// The stream is damaged (or memory for the kept bytes ran out).
    WM_INFLATION_DAMAGED = -1,
};

/// NULL when zlib cannot start.
wm_inflation *wm_inflation_new(uint64_t limit, size_t keep_capacity);
/// Inflates `length` more bytes of the stream; returns one of the WM_INFLATION_ states. Once the
/// state is not WM_INFLATION_MORE, further input is ignored.
int wm_inflation_feed(wm_inflation *inflation, const void *input, size_t length);
/// The bytes inflated so far (at most `limit` plus one buffer).
uint64_t wm_inflation_total(const wm_inflation *inflation);
/// The kept bytes, owned by the inflation.
const uint8_t *wm_inflation_kept(const wm_inflation *inflation, size_t *length);
void wm_inflation_free(wm_inflation *inflation);

/// What an image's header says, read without decoding any pixels.
typedef struct {
    int width;
    int height;
    int bands;
    /// VipsBandFormat: 0 uchar, 1 char, 2 ushort, 3 short, 4 uint, 5 int, 6 float, ...
    int band_format;
    /// Bits per sample, derived from band_format.
    int bits_per_sample;
    /// VipsInterpretation (22 sRGB, 15 CMYK, 1 B_W, 26 GREY16, 25 RGB16, ...)
    int interpretation;
    /// EXIF orientation 1...8, 1 when absent.
    int orientation;
    int has_alpha;
    int has_icc_profile;
    int has_exif;
    int has_xmp;
    int has_iptc;
    /// Number of pages or frames (animated GIF/WebP, multi-page TIFF), 1 when absent.
    int pages;
    /// The interpretation's nickname, such as "srgb", "cmyk", "b-w", "grey16".
    char interpretation_name[32];
    /// The loader's nickname, such as "jpegload" or "heifload".
    char loader[64];
} wm_image_header;

/// Reads the header of the image at `path`. Returns 0 on success.
///
/// `required_loader` (such as "jpegload") must prefix the nickname of the loader libvips
/// picks, or the call fails before the loader runs: content detection decides the format,
/// so a file cannot reach a loader meant for another one.
int wm_vips_read_header_file(const char *path, const char *required_loader, wm_image_header *out);

/// Reads the header of an in-memory image. The buffer must stay alive for the call.
int wm_vips_read_header_buffer(const void *data, size_t length, const char *required_loader,
                               wm_image_header *out);


/// A decoded (or lazily decoding) image: an opaque VipsImage reference.
/// Every handle a `wm_vips_*` function returns must be released with `wm_vips_image_release`.
typedef struct wm_image wm_image;

/// Encoded bytes owned by libvips; release with `wm_vips_blob_release`.
typedef struct wm_blob wm_blob;

void wm_vips_image_release(wm_image *image);
void wm_vips_blob_release(wm_blob *blob);
const void *wm_vips_blob_data(const wm_blob *blob);
size_t wm_vips_blob_length(const wm_blob *blob);

/// Sets the number of worker threads libvips uses per pipeline (0 keeps the default). Before
/// libvips starts, the value is kept and applied once it has.
void wm_vips_concurrency_set(int threads);

/// The worker threads libvips uses per pipeline: the value set before it started (0 when none
/// was), libvips' own once it has.
int wm_vips_concurrency_get(void);

/// Limits glibc's malloc arenas for the process (0 keeps the default; nothing elsewhere than glibc).
void wm_malloc_arenas_set(int arenas);

/// Shape and colour of an image handle.
typedef struct {
    int width;
    int height;
    int bands;
    int band_format;
    int interpretation;
    int has_alpha;
} wm_image_shape;

void wm_vips_image_shape(wm_image *image, wm_image_shape *out);

/// Opens the image at `path` shrunk to fit `long_edge` (never enlarged), with shrink-on-load,
/// EXIF rotation applied and, when `export_srgb` is set, colours converted to sRGB through the
/// embedded ICC profile (or libvips' fallback profile for CMYK). Decoding fails on any error
/// (truncation, corruption). The result is lazy and sequential: read it once, or copy it to memory.
/// `required_loader` works as for `wm_vips_read_header_file`: the content decides the loader.
int wm_vips_thumbnail_file(const char *path, const char *required_loader, int long_edge, int export_srgb,
                           wm_image **out);

/// The same for an image held in memory; the buffer must outlive the returned image.
int wm_vips_thumbnail_buffer(const void *data, size_t length, const char *required_loader, int long_edge,
                             int export_srgb, wm_image **out);

/// Converts to 8-bit sRGB (or 8-bit grey for one- and two-band images): 16-bit, CMYK, Lab and
/// float images are converted, 8-bit sRGB and grey are passed on unchanged.
int wm_vips_to_srgb8(wm_image *in, wm_image **out);

/// Converts 8-bit grey or grey+alpha to sRGB RGB or RGBA, alpha kept; any other image is passed on.
int wm_vips_grey_to_srgb(wm_image *in, wm_image **out);

/// The smallest alpha value of an image with alpha (255 when fully opaque). Decodes the pixels.
int wm_vips_alpha_min(wm_image *in, double *minimum);

/// Flattens alpha onto a background colour (grey images use the colour's luma).
/// Images without alpha are returned unchanged.
int wm_vips_flatten(wm_image *in, int red, int green, int blue, wm_image **out);

/// Decodes the whole image into memory, so it can be encoded several times.
int wm_vips_copy_memory(wm_image *in, wm_image **out);

/// Joins `count` horizontal strips of `strip_height` rows, spread evenly over the image, into one
/// image: a cheap sample for estimating encoded sizes.
int wm_vips_sample_strips(wm_image *in, int count, int strip_height, wm_image **out);

/// Encodes as baseline JPEG at `quality` with all metadata stripped. Chroma is always subsampled
/// 4:2:0 (libvips stops at quality 90 by default), so size grows smoothly with quality and the
/// byte-budget search sees no jump.
int wm_vips_jpeg_blob(wm_image *in, int quality, wm_blob **out);

/// Encodes as JPEG like `wm_vips_jpeg_blob`, but gives up as soon as the output passes `cap` bytes,
/// so an image that cannot fit costs only part of a pass. Writes to `fd` when it is >= 0 (the caller
/// owns and closes it), else returns the bytes in `*out`. `*written` is the byte count produced.
/// Returns 0 when the whole image was encoded within `cap`, 1 when it passed `cap`, -1 on error.
int wm_vips_jpeg_capped(wm_image *in, int fd, int quality, size_t cap, size_t *written, wm_blob **out);

/// Encodes as PNG with all metadata stripped; `filter_all` lets libpng pick each row's filter
/// (libvips' default is no filter).
int wm_vips_png_blob(wm_image *in, int compression, int filter_all, wm_blob **out);

/// Resizes by `scale` (0 < scale < 1) with libvips' default kernel.
int wm_vips_resize(wm_image *in, double scale, wm_image **out);

/// Shrinks an image already in memory to fit `long_edge`, as the thumbnail functions do for files.
int wm_vips_thumbnail_image(wm_image *in, int long_edge, wm_image **out);

/// Opens every frame of an animation (GIF, WebP) at `path` as one strip of frames, one under the
/// other, decoded lazily and sequentially (read it top to bottom, once). `*frame_height` rows make a
/// frame; `*frames` frames; `*delays` holds each frame's delay in milliseconds, `*delay_count` of
/// them (free with `wm_vips_free`; NULL and 0 when the file has none). Decoding fails on any error.
int wm_vips_animation_file(const char *path, const char *required_loader, wm_image **out, int *frame_height,
                           int *frames, int **delays, int *delay_count);

/// Writes rows `top` to `top + height` of an 8-bit image, pixel after pixel, `repeat` times to `fd`
/// (which the caller owns). Returns 0; -1 when libvips failed (its error is set); -2 when writing
/// failed (`errno` says why).
int wm_vips_write_rows(wm_image *in, int top, int height, int repeat, int fd);


#ifdef __cplusplus
}
#endif

#endif

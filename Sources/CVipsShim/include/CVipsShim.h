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

/// 0 when the loader libvips picks for `path` has a nickname starting with `required_loader`.
int wm_vips_check_loader_file(const char *path, const char *required_loader);

/// Decodes the whole image at `path` at a reduced size, failing on truncated or
/// corrupt data, so damage is found without a full-size decode. Returns 0 when intact.
int wm_vips_verify_file(const char *path);

#ifdef __cplusplus
}
#endif

#endif

#define _GNU_SOURCE
#include "CVipsShim.h"
#include "fast_reduce.h"
#include "jpeg_ahead.h"

#include <dlfcn.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <pthread.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <vips/vips.h>
#include <zlib.h>

static pthread_once_t wm_init_once = PTHREAD_ONCE_INIT;
static int wm_init_result = -1;

// Threads per image asked for before libvips started, applied once it has: libvips reads its
// default from the environment when it starts, so a value set earlier must wait for that.
static pthread_mutex_t wm_concurrency_lock = PTHREAD_MUTEX_INITIALIZER;
static int wm_started = 0;
static int wm_concurrency = 0;

static void wm_silent_log(const gchar *domain, GLogLevelFlags level, const gchar *message,
                          gpointer data) {
    (void)domain;
    (void)level;
    (void)message;
    (void)data;
}

// Blocks what media from untrusted senders must not reach; run again after loading a module,
// whose classes the earlier calls did not see.
static void wm_apply_blocks(void) {
    // Media comes from untrusted senders: keep SVG, PDF, Matlab and similar loaders off.
    vips_block_untrusted_set(TRUE);
    // BMP has no native loader: ImageMagick's is needed for it, and is reached only after
    // the caller checked the loader against the content-detected type (required_loader).
    vips_operation_block_set("VipsForeignLoadMagick", FALSE);
    // libvips' own PPM/PGM/PBM/PFM parser and OpenJPEG are marked untrusted only for lack of
    // fuzzing; they read plain headers and pixels, reached only through required_loader too.
    // ImageMagick-only formats (PSD, TGA, ICO, PCX) never get a loader name, so stay refused.
    vips_operation_block_set("VipsForeignLoadPpm", FALSE);
    vips_operation_block_set("VipsForeignLoadJp2k", FALSE);
}

// Where libvips keeps its loadable modules (vips-heif.so, vips-magick.so, ...), next to libvips.
static char wm_modules_dir[4096];

static void wm_vips_init_once(void) {
    // libvips loads every module it finds at start-up (ImageMagick, poppler, OpenSlide, JPEG XL:
    // ~8 MB of resident libraries). Point it at a folder without modules while it starts, then
    // load the two wamedia reads (HEIF, and ImageMagick for BMP) when an image needs them.
    Dl_info library;
    if (dladdr((void *)vips_init, &library) != 0 && library.dli_fname != NULL) {
        char *folder = g_path_get_dirname(library.dli_fname);
        g_snprintf(wm_modules_dir, sizeof(wm_modules_dir), "%s/vips-modules-%d.%d", folder, vips_version(0),
                   vips_version(1));
        g_free(folder);
    }
    int override_home = wm_modules_dir[0] != 0 && g_getenv("VIPSHOME") == NULL &&
                        g_getenv("WAMEDIA_VIPS_ALL_MODULES") == NULL;
    if (override_home) {
        g_setenv("VIPSHOME", "/nonexistent/wamedia-vips-home", TRUE);
    } else {
        wm_modules_dir[0] = 0;
    }
    wm_init_result = VIPS_INIT("wamedia");
    if (override_home) {
        g_unsetenv("VIPSHOME");
    }
    if (wm_init_result == 0) {
        // Per-tile warnings would flood stderr for one damaged file; the error buffer keeps the reason.
        if (g_getenv("WAMEDIA_VIPS_WARNINGS") == NULL) {
            g_log_set_handler("VIPS", G_LOG_LEVEL_WARNING, wm_silent_log, NULL);
        }
        wm_apply_blocks();
        // Every input is unique, so the operation cache only holds memory.
        vips_cache_set_max(0);
        pthread_mutex_lock(&wm_concurrency_lock);
        wm_started = 1;
        if (wm_concurrency > 0) {
            vips_concurrency_set(wm_concurrency);
        }
        pthread_mutex_unlock(&wm_concurrency_lock);
    }
}

int wm_vips_init(void) {
    pthread_once(&wm_init_once, wm_vips_init_once);
    return wm_init_result;
}

void wm_vips_concurrency_set(int threads) {
    if (threads <= 0) {
        return;
    }
    pthread_mutex_lock(&wm_concurrency_lock);
    wm_concurrency = threads;
    if (wm_started) {
        vips_concurrency_set(threads);
    }
    pthread_mutex_unlock(&wm_concurrency_lock);
}

int wm_vips_concurrency_get(void) {
    pthread_mutex_lock(&wm_concurrency_lock);
    int threads = wm_started ? vips_concurrency_get() : wm_concurrency;
    pthread_mutex_unlock(&wm_concurrency_lock);
    return threads;
}

void wm_malloc_arenas_set(int arenas) {
#if defined(__GLIBC__)
    if (arenas > 0) {
        mallopt(M_ARENA_MAX, arenas);
    }
#else
    (void)arenas;
#endif
}

static pthread_mutex_t wm_module_lock = PTHREAD_MUTEX_INITIALIZER;

static void wm_load_module(const char *name, int *loaded) {
    pthread_mutex_lock(&wm_module_lock);
    if (!*loaded && wm_modules_dir[0] != 0) {
        char path[4200];
        g_snprintf(path, sizeof(path), "%s/%s", wm_modules_dir, name);
        // Opening runs the module's g_module_check_init, which registers its loaders.
        GModule *module = g_module_open(path, G_MODULE_BIND_LAZY | G_MODULE_BIND_LOCAL);
        if (module != NULL) {
            g_module_make_resident(module);
            wm_apply_blocks();
        }
    }
    *loaded = 1;
    pthread_mutex_unlock(&wm_module_lock);
}

/// Starts libvips with the module `required_loader` lives in (every module wamedia reads
/// through when it is NULL).
static int wm_vips_init_for(const char *required_loader) {
    static int heif_loaded = 0;
    static int magick_loaded = 0;
    if (wm_vips_init() != 0) {
        return -1;
    }
    if (required_loader == NULL || g_str_has_prefix(required_loader, "heif")) {
        wm_load_module("vips-heif.so", &heif_loaded);
    }
    if (required_loader == NULL || g_str_has_prefix(required_loader, "magick")) {
        wm_load_module("vips-magick.so", &magick_loaded);
    }
    return 0;
}

char *wm_vips_error_take(void) {
    const char *buffer = vips_error_buffer();
    char *copy = g_strdup(buffer != NULL ? buffer : "");
    vips_error_clear();
    return copy;
}

void wm_vips_free(void *pointer) { g_free(pointer); }

static int wm_bits_for_format(VipsBandFormat format) {
    switch (format) {
    case VIPS_FORMAT_UCHAR:
    case VIPS_FORMAT_CHAR:
        return 8;
    case VIPS_FORMAT_USHORT:
    case VIPS_FORMAT_SHORT:
        return 16;
    case VIPS_FORMAT_UINT:
    case VIPS_FORMAT_INT:
    case VIPS_FORMAT_FLOAT:
        return 32;
    case VIPS_FORMAT_DOUBLE:
    case VIPS_FORMAT_COMPLEX:
        return 64;
    case VIPS_FORMAT_DPCOMPLEX:
        return 128;
    default:
        return 0;
    }
}

static void wm_fill_header(VipsImage *image, const char *loader, wm_image_header *out) {
    memset(out, 0, sizeof(*out));
    out->width = vips_image_get_width(image);
    out->height = vips_image_get_height(image);
    out->bands = vips_image_get_bands(image);
    out->band_format = (int)vips_image_get_format(image);
    out->bits_per_sample = wm_bits_for_format(vips_image_get_format(image));
    out->interpretation = (int)vips_image_get_interpretation(image);
    out->orientation = vips_image_get_orientation(image);
    out->has_alpha = vips_image_hasalpha(image) ? 1 : 0;
    out->has_icc_profile = vips_image_get_typeof(image, VIPS_META_ICC_NAME) != 0;
    out->has_exif = vips_image_get_typeof(image, VIPS_META_EXIF_NAME) != 0;
    out->has_xmp = vips_image_get_typeof(image, VIPS_META_XMP_NAME) != 0;
    out->has_iptc = vips_image_get_typeof(image, VIPS_META_IPTC_NAME) != 0;
    out->pages = vips_image_get_n_pages(image);
    const char *nick = vips_enum_nick(VIPS_TYPE_INTERPRETATION, out->interpretation);
    if (nick != NULL) {
        g_strlcpy(out->interpretation_name, nick, sizeof(out->interpretation_name));
    }
    if (loader != NULL) {
        // The operation's nickname without its source suffix: `jpegload` from a file or a buffer alike.
        const char *nickname = vips_nickname_find(g_type_from_name(loader));
        g_strlcpy(out->loader, nickname != NULL ? nickname : loader, sizeof(out->loader));
        char *suffix = g_strrstr(out->loader, "_");
        if (suffix != NULL && (strcmp(suffix, "_buffer") == 0 || strcmp(suffix, "_source") == 0)) {
            *suffix = 0;
        }
    }
}

static int wm_loader_allowed(const char *loader, const char *required_loader) {
    if (required_loader == NULL) {
        return 1;
    }
    const char *nickname = vips_nickname_find(g_type_from_name(loader));
    if (nickname != NULL && g_str_has_prefix(nickname, required_loader)) {
        return 1;
    }
    vips_error("wamedia", "the content is read by %s, not %s as its type requires",
               nickname != NULL ? nickname : loader, required_loader);
    return 0;
}

int wm_vips_read_header_file(const char *path, const char *required_loader, wm_image_header *out) {
    if (wm_vips_init_for(required_loader) != 0) {
        return -1;
    }
    const char *loader = vips_foreign_find_load(path);
    if (loader == NULL || !wm_loader_allowed(loader, required_loader)) {
        return -1;
    }
    VipsImage *image = vips_image_new_from_file(path, "access", VIPS_ACCESS_SEQUENTIAL, NULL);
    if (image == NULL) {
        return -1;
    }
    wm_fill_header(image, loader, out);
    g_object_unref(image);
    return 0;
}

// Some loaders (ppmload) read files and sources but not buffers: for them, a source over the
// same memory. Returns a new reference (release with g_object_unref) when the buffer needs one,
// NULL when a buffer loader reads it; *loader is the loader found (the required one when there
// is a choice), NULL when none is.
static VipsSource *wm_source_for_buffer(const void *data, size_t length, const char *required_loader,
                                        const char **loader) {
    *loader = vips_foreign_find_load_buffer(data, length);
    const char *nickname = *loader != NULL ? vips_nickname_find(g_type_from_name(*loader)) : NULL;
    // ImageMagick's buffer loader also claims PPM once its module is loaded: only the loader the
    // type requires will do, so look at the source loaders before giving up.
    if (*loader != NULL &&
        (required_loader == NULL || (nickname != NULL && g_str_has_prefix(nickname, required_loader)))) {
        return NULL;
    }
    const char *buffer_loader = *loader;
    VipsSource *source = vips_source_new_from_memory(data, length);
    if (source == NULL) {
        return NULL;
    }
    *loader = vips_foreign_find_load_source(source);
    if (*loader == NULL) {
        g_object_unref(source);
        *loader = buffer_loader;
        return NULL;
    }
    vips_error_clear();
    return source;
}

// The loader for a buffer, and a source over it when that loader needs one (see
// wm_source_for_buffer): 0 when a loader `required_loader` allows reads it, else -1 with nothing
// left to release.
static int wm_open_buffer(const void *data, size_t length, const char *required_loader, const char **loader,
                          VipsSource **source) {
    *source = wm_source_for_buffer(data, length, required_loader, loader);
    if (*loader == NULL || !wm_loader_allowed(*loader, required_loader)) {
        if (*source != NULL) {
            g_object_unref(*source);
            *source = NULL;
        }
        return -1;
    }
    return 0;
}

int wm_vips_read_header_buffer(const void *data, size_t length, const char *required_loader,
                               wm_image_header *out) {
    if (wm_vips_init_for(required_loader) != 0) {
        return -1;
    }
    const char *loader = NULL;
    VipsSource *source = NULL;
    if (wm_open_buffer(data, length, required_loader, &loader, &source) != 0) {
        return -1;
    }
    VipsImage *image =
        source != NULL
            ? vips_image_new_from_source(source, "", "access", VIPS_ACCESS_SEQUENTIAL, NULL)
            : vips_image_new_from_buffer(data, length, "", "access", VIPS_ACCESS_SEQUENTIAL, NULL);
    if (source != NULL) {
        g_object_unref(source);
    }
    if (image == NULL) {
        return -1;
    }
    wm_fill_header(image, loader, out);
    g_object_unref(image);
    return 0;
}

// ---- Fitting: opaque handles over VipsImage and VipsBlob ----

#define WM_IMAGE(handle) ((VipsImage *)(handle))

void wm_vips_image_release(wm_image *image) {
    if (image != NULL) {
        g_object_unref(WM_IMAGE(image));
    }
}

void wm_vips_blob_release(wm_blob *blob) {
    if (blob != NULL) {
        vips_area_unref((VipsArea *)blob);
    }
}

const void *wm_vips_blob_data(const wm_blob *blob) { return ((const VipsArea *)blob)->data; }

size_t wm_vips_blob_length(const wm_blob *blob) { return ((const VipsArea *)blob)->length; }

void wm_vips_image_shape(wm_image *handle, wm_image_shape *out) {
    VipsImage *image = WM_IMAGE(handle);
    memset(out, 0, sizeof(*out));
    out->width = vips_image_get_width(image);
    out->height = vips_image_get_height(image);
    out->bands = vips_image_get_bands(image);
    out->band_format = (int)vips_image_get_format(image);
    out->interpretation = (int)vips_image_guess_interpretation(image);
    out->has_alpha = vips_image_hasalpha(image) ? 1 : 0;
}

static int wm_is_jpeg_loader(const char *loader) {
    const char *nickname = vips_nickname_find(g_type_from_name(loader));
    return nickname != NULL && g_str_has_prefix(nickname, "jpegload") &&
           g_getenv("WAMEDIA_LIBVIPS_RESIZE") == NULL;
}

/// Whether wm_thumbnail_loaded_jpeg shrinks this image itself: 8-bit grey or RGB, reduced by more
/// than 1× and less than 4× (where shrink-on-load cannot help).
static int wm_reduces_loaded_jpeg(VipsImage *loaded, int long_edge) {
    const double shrink = (double)VIPS_MAX(loaded->Xsize, loaded->Ysize) / long_edge;
    return shrink > 1 && shrink < 4 && loaded->BandFmt == VIPS_FORMAT_UCHAR &&
           (loaded->Bands == 1 || loaded->Bands == 3) && loaded->Coding == VIPS_CODING_NONE;
}

/// Shrinks a JPEG as vips_thumbnail does when shrink-on-load cannot help (a reduction under 4×:
/// libvips then decodes the full size and reduces it with Lanczos-3), but with the vectorised
/// horizontal pass, which costs less than half of libvips' own. Then, as vips_thumbnail: colours
/// through the embedded ICC profile to sRGB when asked, and rotation by the EXIF orientation.
/// Returns 1 with `*out` set, 0 when the image is not one this applies to (see
/// wm_reduces_loaded_jpeg), -1 on error.
static int wm_thumbnail_loaded_jpeg(VipsImage *loaded, int long_edge, int export_srgb, VipsImage **out) {
    if (!wm_reduces_loaded_jpeg(loaded, long_edge)) {
        return 0;
    }
    const double shrink = (double)VIPS_MAX(loaded->Xsize, loaded->Ysize) / long_edge;
    VipsImage *vertical = NULL;
    if (vips_reducev(loaded, &vertical, shrink, "kernel", VIPS_KERNEL_LANCZOS3, NULL) != 0) {
        return -1;
    }
    VipsImage *image = NULL;
    int result = wm_reduceh_lanczos3(vertical, &image, shrink);
    g_object_unref(vertical);
    if (result != 0) {
        return -1;
    }
    if (export_srgb && vips_image_get_typeof(image, VIPS_META_ICC_NAME) != 0) {
        VipsImage *converted = NULL;
        result = vips_icc_transform(image, &converted, "srgb", "embedded", TRUE, "intent", VIPS_INTENT_RELATIVE,
                                    NULL);
        g_object_unref(image);
        if (result != 0) {
            return -1;
        }
        image = converted;
    }
    if (vips_image_get_orientation(image) != 1) {
        // Rotation reads the image in any order, the decoder only top to bottom: hold it in memory.
        VipsImage *memory = vips_image_copy_memory(image);
        g_object_unref(image);
        if (memory == NULL) {
            return -1;
        }
        VipsImage *upright = NULL;
        result = vips_autorot(memory, &upright, NULL);
        g_object_unref(memory);
        if (result != 0) {
            return -1;
        }
        image = upright;
    }
    *out = image;
    return 1;
}

/// wm_thumbnail_loaded_jpeg on a freshly loaded image, which it releases; NULL (a failed load) is an error.
static int wm_thumbnail_jpeg_taking(VipsImage *loaded, int long_edge, int export_srgb, VipsImage **out) {
    if (loaded == NULL) {
        return -1;
    }
    int result = wm_thumbnail_loaded_jpeg(loaded, long_edge, export_srgb, out);
    g_object_unref(loaded);
    return result;
}

int wm_vips_thumbnail_file(const char *path, const char *required_loader, int long_edge, int export_srgb,
                           wm_image **out) {
    if (wm_vips_init_for(required_loader) != 0) {
        return -1;
    }
    const char *loader = vips_foreign_find_load(path);
    if (loader == NULL || !wm_loader_allowed(loader, required_loader)) {
        return -1;
    }
    VipsImage *image = NULL;
    int result;
    if (wm_is_jpeg_loader(loader)) {
        VipsImage *loaded =
            vips_image_new_from_file(path, "access", VIPS_ACCESS_SEQUENTIAL, "fail_on", VIPS_FAIL_ON_ERROR, NULL);
        if (loaded != NULL && wm_reduces_loaded_jpeg(loaded, long_edge)) {
            // The same pixels from a decoder that runs ahead of the reduction on a thread of its own;
            // jpegload's image then only gave the header.
            VipsImage *ahead = wm_jpeg_ahead_new(path, loaded);
            if (ahead != NULL) {
                g_object_unref(loaded);
                loaded = ahead;
            }
        }
        result = wm_thumbnail_jpeg_taking(loaded, long_edge, export_srgb, &image);
        if (result < 0) {
            return -1;
        }
        if (result == 1) {
            *out = (wm_image *)image;
            return 0;
        }
    }
    if (export_srgb) {
        result = vips_thumbnail(path, &image, long_edge, "height", long_edge, "size", VIPS_SIZE_DOWN,
                                "fail_on", VIPS_FAIL_ON_ERROR, "export_profile", "srgb", NULL);
    } else {
        result = vips_thumbnail(path, &image, long_edge, "height", long_edge, "size", VIPS_SIZE_DOWN,
                                "fail_on", VIPS_FAIL_ON_ERROR, NULL);
    }
    if (result != 0) {
        return -1;
    }
    *out = (wm_image *)image;
    return 0;
}

int wm_vips_thumbnail_buffer(const void *data, size_t length, const char *required_loader, int long_edge,
                             int export_srgb, wm_image **out) {
    if (wm_vips_init_for(required_loader) != 0) {
        return -1;
    }
    const char *loader = NULL;
    VipsSource *source = NULL;
    if (wm_open_buffer(data, length, required_loader, &loader, &source) != 0) {
        return -1;
    }
    VipsImage *image = NULL;
    int result;
    if (source != NULL) {
        // Only loaders without a buffer variant come here (never jpegload).
        result = export_srgb ? vips_thumbnail_source(source, &image, long_edge, "height", long_edge, "size",
                                                     VIPS_SIZE_DOWN, "fail_on", VIPS_FAIL_ON_ERROR,
                                                     "export_profile", "srgb", NULL)
                             : vips_thumbnail_source(source, &image, long_edge, "height", long_edge, "size",
                                                     VIPS_SIZE_DOWN, "fail_on", VIPS_FAIL_ON_ERROR, NULL);
        g_object_unref(source);
        if (result != 0) {
            return -1;
        }
        *out = (wm_image *)image;
        return 0;
    }
    // libvips takes a non-const pointer but only reads the buffer.
    void *buffer = (void *)data;
    if (wm_is_jpeg_loader(loader)) {
        result = wm_thumbnail_jpeg_taking(vips_image_new_from_buffer(buffer, length, "", "access",
                                                                     VIPS_ACCESS_SEQUENTIAL, "fail_on",
                                                                     VIPS_FAIL_ON_ERROR, NULL),
                                          long_edge, export_srgb, &image);
        if (result < 0) {
            return -1;
        }
        if (result == 1) {
            *out = (wm_image *)image;
            return 0;
        }
    }
    if (export_srgb) {
        result = vips_thumbnail_buffer(buffer, length, &image, long_edge, "height", long_edge, "size",
                                       VIPS_SIZE_DOWN, "fail_on", VIPS_FAIL_ON_ERROR, "export_profile",
                                       "srgb", NULL);
    } else {
        result = vips_thumbnail_buffer(buffer, length, &image, long_edge, "height", long_edge, "size",
                                       VIPS_SIZE_DOWN, "fail_on", VIPS_FAIL_ON_ERROR, NULL);
    }
    if (result != 0) {
        return -1;
    }
    *out = (wm_image *)image;
    return 0;
}

int wm_vips_to_srgb8(wm_image *handle, wm_image **out) {
    VipsImage *in = WM_IMAGE(handle);
    VipsInterpretation interpretation = vips_image_guess_interpretation(in);
    int grey = interpretation == VIPS_INTERPRETATION_B_W || interpretation == VIPS_INTERPRETATION_GREY16 ||
               vips_image_get_bands(in) <= 2;
    VipsInterpretation target = grey ? VIPS_INTERPRETATION_B_W : VIPS_INTERPRETATION_sRGB;
    if (interpretation == target && vips_image_get_format(in) == VIPS_FORMAT_UCHAR) {
        g_object_ref(in);
        *out = (wm_image *)in;
        return 0;
    }
    VipsImage *converted = NULL;
    if (vips_colourspace(in, &converted, target, NULL) != 0) {
        return -1;
    }
    if (vips_image_get_format(converted) == VIPS_FORMAT_UCHAR) {
        *out = (wm_image *)converted;
        return 0;
    }
    // 16-bit samples still labelled sRGB or grey: keep the top 8 bits rather than clip.
    VipsImage *shifted = NULL;
    VipsBandFormat format = vips_image_get_format(converted);
    if (format == VIPS_FORMAT_FLOAT || format == VIPS_FORMAT_DOUBLE) {
        // Float samples (PFM, float TIFF) run from 0 to 1; the cast below clips what lies outside.
        int result = vips_linear1(converted, &shifted, 255.0, 0.0, NULL);
        g_object_unref(converted);
        if (result != 0) {
            return -1;
        }
        converted = shifted;
        shifted = NULL;
    }
    if (vips_image_get_format(converted) == VIPS_FORMAT_USHORT) {
        int result = vips_rshift_const1(converted, &shifted, 8, NULL);
        g_object_unref(converted);
        if (result != 0) {
            return -1;
        }
        converted = shifted;
    }
    VipsImage *cast = NULL;
    int result = vips_cast_uchar(converted, &cast, NULL);
    g_object_unref(converted);
    if (result != 0) {
        return -1;
    }
    *out = (wm_image *)cast;
    return 0;
}

int wm_vips_grey_to_srgb(wm_image *handle, wm_image **out) {
    VipsImage *in = WM_IMAGE(handle);
    if (vips_image_get_bands(in) > 2) {
        g_object_ref(in);
        *out = (wm_image *)in;
        return 0;
    }
    // libvips carries the alpha band through a colourspace conversion.
    VipsImage *converted = NULL;
    if (vips_colourspace(in, &converted, VIPS_INTERPRETATION_sRGB, "source_space", VIPS_INTERPRETATION_B_W, NULL) !=
        0) {
        return -1;
    }
    *out = (wm_image *)converted;
    return 0;
}

int wm_vips_alpha_min(wm_image *handle, double *minimum) {
    VipsImage *in = WM_IMAGE(handle);
    if (!vips_image_hasalpha(in)) {
        *minimum = 255;
        return 0;
    }
    VipsImage *alpha = NULL;
    if (vips_extract_band(in, &alpha, vips_image_get_bands(in) - 1, NULL) != 0) {
        return -1;
    }
    int result = vips_min(alpha, minimum, NULL);
    g_object_unref(alpha);
    return result;
}

int wm_vips_flatten(wm_image *handle, int red, int green, int blue, wm_image **out) {
    VipsImage *in = WM_IMAGE(handle);
    if (!vips_image_hasalpha(in)) {
        g_object_ref(in);
        *out = (wm_image *)in;
        return 0;
    }
    double colour[3] = {red, green, blue};
    int count = 3;
    if (vips_image_get_bands(in) <= 2) {
        // Rec. 601 luma, as libvips' own sRGB to B_W conversion uses.
        colour[0] = 0.299 * red + 0.587 * green + 0.114 * blue;
        count = 1;
    }
    VipsArrayDouble *background = vips_array_double_new(colour, count);
    VipsImage *flat = NULL;
    int result = vips_flatten(in, &flat, "background", background, NULL);
    vips_area_unref(VIPS_AREA(background));
    if (result != 0) {
        return -1;
    }
    if (vips_image_get_format(flat) != VIPS_FORMAT_UCHAR) {
        VipsImage *cast = NULL;
        result = vips_cast_uchar(flat, &cast, NULL);
        g_object_unref(flat);
        if (result != 0) {
            return -1;
        }
        flat = cast;
    }
    *out = (wm_image *)flat;
    return 0;
}

int wm_vips_copy_memory(wm_image *handle, wm_image **out) {
    VipsImage *copy = vips_image_copy_memory(WM_IMAGE(handle));
    if (copy == NULL) {
        return -1;
    }
    *out = (wm_image *)copy;
    return 0;
}

int wm_vips_animation_file(const char *path, const char *required_loader, wm_image **out, int *frame_height,
                           int *frames, int **delays, int *delay_count) {
    *delays = NULL;
    *delay_count = 0;
    if (wm_vips_init_for(required_loader) != 0) {
        return -1;
    }
    const char *loader = vips_foreign_find_load(path);
    if (loader == NULL || !wm_loader_allowed(loader, required_loader)) {
        return -1;
    }
    VipsImage *strip = vips_image_new_from_file(path, "n", -1, "access", VIPS_ACCESS_SEQUENTIAL, "fail_on",
                                                VIPS_FAIL_ON_ERROR, NULL);
    if (strip == NULL) {
        return -1;
    }
    int page_height = vips_image_get_page_height(strip);
    int height = vips_image_get_height(strip);
    if (page_height < 1 || height % page_height != 0) {
        g_object_unref(strip);
        vips_error("wamedia", "the frames of %s do not tile its height", path);
        return -1;
    }
    int *array = NULL;
    int count = 0;
    if (vips_image_get_typeof(strip, "delay") != 0 && vips_image_get_array_int(strip, "delay", &array, &count) == 0 &&
        count > 0) {
        *delays = g_memdup2(array, (gsize)count * sizeof(int));
        *delay_count = count;
    }
    VipsImage *flat = NULL;
    VipsImage *converted = NULL;
    int result = wm_vips_flatten((wm_image *)strip, 255, 255, 255, (wm_image **)&flat);
    g_object_unref(strip);
    if (result == 0) {
        result = wm_vips_to_srgb8((wm_image *)flat, (wm_image **)&converted);
        g_object_unref(flat);
    }
    if (result == 0 && vips_image_get_bands(converted) == 1) {
        // Grey frames: ffmpeg reads the raw video as RGB.
        VipsImage *colour = NULL;
        result = vips_colourspace(converted, &colour, VIPS_INTERPRETATION_sRGB, NULL);
        g_object_unref(converted);
        converted = colour;
    }
    if (result != 0) {
        g_free(*delays);
        *delays = NULL;
        *delay_count = 0;
        return -1;
    }
    *frame_height = page_height;
    *frames = height / page_height;
    *out = (wm_image *)converted;
    return 0;
}

int wm_vips_write_rows(wm_image *handle, int top, int height, int repeat, int fd) {
    VipsImage *in = WM_IMAGE(handle);
    VipsImage *rows = NULL;
    if (vips_extract_area(in, &rows, 0, top, vips_image_get_width(in), height, NULL) != 0) {
        return -1;
    }
    size_t length = 0;
    unsigned char *pixels = vips_image_write_to_memory(rows, &length);
    g_object_unref(rows);
    if (pixels == NULL) {
        return -1;
    }
    int result = 0;
    for (int copy = 0; copy < repeat && result == 0; copy++) {
        size_t done = 0;
        while (done < length) {
            ssize_t count = write(fd, pixels + done, length - done);
            if (count < 0 && errno == EINTR) {
                continue;
            }
            if (count <= 0) {
                result = -2;
                break;
            }
            done += (size_t)count;
        }
    }
    g_free(pixels);
    return result;
}

int wm_vips_sample_strips(wm_image *handle, int count, int strip_height, wm_image **out) {
    VipsImage *in = WM_IMAGE(handle);
    int height = vips_image_get_height(in);
    if (count < 1 || strip_height < 1 || count * strip_height >= height || count > 256) {
        g_object_ref(in);
        *out = (wm_image *)in;
        return 0;
    }
    VipsImage *parts[256] = {NULL};
    int result = 0;
    for (int index = 0; index < count && result == 0; index++) {
        // Spread evenly; start on a 16-row boundary so the strips cut JPEG blocks as the full image does.
        int top = (int)(((double)index + 0.5) * height / count) - strip_height / 2;
        top = (top / 16) * 16;
        if (top < 0) {
            top = 0;
        }
        if (top + strip_height > height) {
            top = height - strip_height;
        }
        result = vips_extract_area(in, &parts[index], 0, top, vips_image_get_width(in), strip_height, NULL);
    }
    VipsImage *joined = NULL;
    if (result == 0) {
        result = vips_arrayjoin(parts, &joined, count, "across", 1, NULL);
    }
    for (int index = 0; index < count; index++) {
        if (parts[index] != NULL) {
            g_object_unref(parts[index]);
        }
    }
    if (result != 0) {
        return -1;
    }
    *out = (wm_image *)joined;
    return 0;
}

static int wm_take_blob(VipsTarget *target, wm_blob **out) {
    // vips_target_steal crashed on memory targets in 8.14.1; the "blob" property is reliable.
    VipsBlob *blob = NULL;
    g_object_get(target, "blob", &blob, NULL);
    g_object_unref(target);
    if (blob == NULL) {
        vips_error("wamedia", "%s", "the encoder produced no output");
        return -1;
    }
    *out = (wm_blob *)blob;
    return 0;
}

int wm_vips_jpeg_blob(wm_image *handle, int quality, wm_blob **out) {
    VipsTarget *target = vips_target_new_to_memory();
    if (target == NULL) {
        return -1;
    }
    if (vips_jpegsave_target(WM_IMAGE(handle), target, "Q", quality, "strip", TRUE, "subsample_mode",
                             VIPS_FOREIGN_SUBSAMPLE_ON, NULL) != 0) {
        g_object_unref(target);
        return -1;
    }
    return wm_take_blob(target, out);
}

// ---- Encoding with a byte cap: the encoder stops as soon as its output passes the cap ----

typedef struct {
    int fd;              // write here when >= 0, else collect in `bytes`
    GByteArray *bytes;
    size_t written;
    size_t cap;
    int over_cap;
    int failed_errno;
} wm_capped_sink;

static gint64 wm_capped_write(VipsTargetCustom *target, const void *data, gint64 length, void *user) {
    (void)target;
    wm_capped_sink *sink = (wm_capped_sink *)user;
    if (sink->written + (size_t)length > sink->cap) {
        sink->over_cap = 1;
        return -1;
    }
    if (sink->fd >= 0) {
        const char *cursor = (const char *)data;
        gint64 left = length;
        while (left > 0) {
            ssize_t done = write(sink->fd, cursor, (size_t)left);
            if (done < 0) {
                if (errno == EINTR) {
                    continue;
                }
                sink->failed_errno = errno;
                return -1;
            }
            cursor += done;
            left -= done;
        }
    } else {
        g_byte_array_append(sink->bytes, (const guint8 *)data, (guint)length);
    }
    sink->written += (size_t)length;
    return length;
}

static int wm_free_byte_array(void *data, void *area) {
    (void)area;
    g_free(data);
    return 0;
}

int wm_vips_jpeg_capped(wm_image *handle, int fd, int quality, size_t cap, size_t *written, wm_blob **out) {
    wm_capped_sink sink = {fd, NULL, 0, cap, 0, 0};
    if (fd < 0) {
        sink.bytes = g_byte_array_new();
    }
    VipsTargetCustom *target = vips_target_custom_new();
    g_signal_connect(target, "write", G_CALLBACK(wm_capped_write), &sink);
    int result = vips_jpegsave_target(WM_IMAGE(handle), VIPS_TARGET(target), "Q", quality, "strip", TRUE,
                                      "subsample_mode", VIPS_FOREIGN_SUBSAMPLE_ON, NULL);
    g_object_unref(target);
    *written = sink.written;
    if (sink.over_cap) {
        // Not a failure of the image: the caller learns it is too large and tries otherwise.
        vips_error_clear();
        if (sink.bytes != NULL) {
            g_byte_array_free(sink.bytes, TRUE);
        }
        return 1;
    }
    if (result != 0) {
        if (sink.failed_errno != 0) {
            vips_error("wamedia", "cannot write the output: %s", g_strerror(sink.failed_errno));
        }
        if (sink.bytes != NULL) {
            g_byte_array_free(sink.bytes, TRUE);
        }
        return -1;
    }
    if (sink.bytes != NULL) {
        size_t length = sink.bytes->len;
        void *data = g_byte_array_free(sink.bytes, FALSE);
        *out = (wm_blob *)vips_blob_new(wm_free_byte_array, data, length);
    }
    return 0;
}

int wm_vips_png_blob(wm_image *handle, int compression, int filter_all, wm_blob **out) {
    VipsTarget *target = vips_target_new_to_memory();
    if (target == NULL) {
        return -1;
    }
    VipsForeignPngFilter filter = filter_all ? VIPS_FOREIGN_PNG_FILTER_ALL : VIPS_FOREIGN_PNG_FILTER_NONE;
    if (vips_pngsave_target(WM_IMAGE(handle), target, "compression", compression, "filter", filter, "strip", TRUE,
                            NULL) != 0) {
        g_object_unref(target);
        return -1;
    }
    return wm_take_blob(target, out);
}

int wm_vips_resize(wm_image *handle, double scale, wm_image **out) {
    VipsImage *resized = NULL;
    if (vips_resize(WM_IMAGE(handle), &resized, scale, NULL) != 0) {
        return -1;
    }
    *out = (wm_image *)resized;
    return 0;
}

int wm_vips_thumbnail_image(wm_image *handle, int long_edge, wm_image **out) {
    VipsImage *image = NULL;
    if (vips_thumbnail_image(WM_IMAGE(handle), &image, long_edge, "height", long_edge, "size", VIPS_SIZE_DOWN,
                             NULL) != 0) {
        return -1;
    }
    *out = (wm_image *)image;
    return 0;
}

uint32_t wm_crc32(uint32_t crc, const void *data, size_t length) {
    // zlib takes a uInt length: feed larger buffers in pieces.
    const unsigned char *bytes = data;
    uLong result = crc;
    while (length > 0) {
        uInt piece = length > UINT32_MAX ? UINT32_MAX : (uInt)length;
        result = crc32(result, bytes, piece);
        bytes += piece;
        length -= piece;
    }
    return (uint32_t)result;
}

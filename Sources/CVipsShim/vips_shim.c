#include "CVipsShim.h"

#include <pthread.h>
#include <string.h>
#include <vips/vips.h>

static pthread_once_t wm_init_once = PTHREAD_ONCE_INIT;
static int wm_init_result = -1;

static void wm_silent_log(const gchar *domain, GLogLevelFlags level, const gchar *message,
                          gpointer data) {
    (void)domain;
    (void)level;
    (void)message;
    (void)data;
}

static void wm_vips_init_once(void) {
    wm_init_result = VIPS_INIT("wamedia");
    if (wm_init_result == 0) {
        // Per-tile warnings would flood stderr for one damaged file; the error buffer keeps the reason.
        if (g_getenv("WAMEDIA_VIPS_WARNINGS") == NULL) {
            g_log_set_handler("VIPS", G_LOG_LEVEL_WARNING, wm_silent_log, NULL);
        }
        // Media comes from untrusted senders: keep SVG, PDF, Matlab and similar loaders off.
        vips_block_untrusted_set(TRUE);
        // BMP has no native loader: ImageMagick's is needed for it, and is reached only after
        // the caller checked the loader against the content-detected type (required_loader).
        vips_operation_block_set("VipsForeignLoadMagick", FALSE);
        // Every input is unique, so the operation cache only holds memory.
        vips_cache_set_max(0);
    }
}

int wm_vips_init(void) {
    pthread_once(&wm_init_once, wm_vips_init_once);
    return wm_init_result;
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
        g_strlcpy(out->loader, loader, sizeof(out->loader));
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

int wm_vips_check_loader_file(const char *path, const char *required_loader) {
    if (wm_vips_init() != 0) {
        return -1;
    }
    const char *loader = vips_foreign_find_load(path);
    if (loader == NULL || !wm_loader_allowed(loader, required_loader)) {
        return -1;
    }
    return 0;
}

int wm_vips_read_header_file(const char *path, const char *required_loader, wm_image_header *out) {
    if (wm_vips_init() != 0) {
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

int wm_vips_read_header_buffer(const void *data, size_t length, const char *required_loader,
                               wm_image_header *out) {
    if (wm_vips_init() != 0) {
        return -1;
    }
    const char *loader = vips_foreign_find_load_buffer(data, length);
    if (loader == NULL || !wm_loader_allowed(loader, required_loader)) {
        return -1;
    }
    VipsImage *image =
        vips_image_new_from_buffer(data, length, "", "access", VIPS_ACCESS_SEQUENTIAL, NULL);
    if (image == NULL) {
        return -1;
    }
    wm_fill_header(image, loader, out);
    g_object_unref(image);
    return 0;
}

int wm_vips_verify_file(const char *path) {
    if (wm_vips_init() != 0) {
        return -1;
    }
    VipsImage *thumbnail = NULL;
    // Shrink-on-load keeps this cheap for JPEG, WebP and HEIC while every
    // compressed byte is still read, so truncation and corruption surface here.
    if (vips_thumbnail(path, &thumbnail, 64, "fail_on", VIPS_FAIL_ON_ERROR, NULL) != 0) {
        return -1;
    }
    double average = 0;
    int result = vips_avg(thumbnail, &average, NULL);
    g_object_unref(thumbnail);
    return result;
}

#include "jpeg_ahead.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <jpeglib.h>
#include <jerror.h>

// libvips' jpegload (8.14) runs libjpeg from whichever pipeline thread asks for the next strip,
// under the sequential lock: the decode, the one serial part of a reduction, stops whenever the
// threads are busy reducing and encoding. Here one thread does nothing but decode, ahead of them,
// into a ring of rows. Everything else copies jpegload: the same libjpeg settings, the same load
// step on the first pixel request (header and start of decompression, in the pipeline's thread,
// behind a start function as libvips' loaders have), the same vips_sequential in front, the same
// rules for warnings and errors, and the messages told to libvips when the pipeline reaches the
// rows they came with.

// Bytes per read of the file (jpegload reads 4 KB at a time).
#define WM_AHEAD_READ_SIZE 65536
// The ring: about 2 MB of decoded rows, and never fewer than 64.
#define WM_AHEAD_RING_BYTES ((size_t)2 << 20)
#define WM_AHEAD_RING_MIN_ROWS 64
// Rows the decoder hands over at a time: vips_sequential's strip height, as jpegload has it.
#define WM_AHEAD_STRIP 8
// As jpegload: the hundredth warning is an error.
#define WM_AHEAD_MAX_WARNINGS 100
// Messages kept for the pipeline. jpegload tells only the first warning, so two would do.
#define WM_AHEAD_MAX_MESSAGES 8

typedef struct {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
} wm_ahead_errors;

typedef struct {
    struct jpeg_source_mgr pub;
    int fd;
    JOCTET buffer[WM_AHEAD_READ_SIZE];
} wm_ahead_source;

typedef struct {
    int row; // the row being decoded when it came
    char text[JMSG_LENGTH_MAX];
} wm_ahead_message;

typedef struct {
    struct jpeg_decompress_struct cinfo;
    wm_ahead_errors errors;
    wm_ahead_source source;
    int width, height, bands;
    size_t stride;
    int ring;             // rows the ring holds
    unsigned char *rows;  // ring * stride

    GMutex loading;       // the load step, once
    int loaded;           // 0 not yet, 1 done, -1 failed
    GThread *thread;
    int decoding;         // set before the thread starts: from then on the thread owns cinfo
    int row;              // the row the thread decodes (the thread's own)
    char reason[JMSG_LENGTH_MAX]; // the thread's error, read once `failed` is published

    GMutex lock;          // guards what follows
    GCond changed;
    int produced;         // rows decoded
    int consumed;         // rows above this one are done with
    int finished;         // the thread has stopped
    int failed;
    int cancelled;
    wm_ahead_message messages[WM_AHEAD_MAX_MESSAGES];
    int message_count;
    int messages_told;
} wm_ahead;

static void wm_ahead_output_message(j_common_ptr cinfo) {
    wm_ahead *ahead = cinfo->client_data;
    char text[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, text);
    if (!ahead->decoding) {
        // The load step runs in a pipeline thread, as jpegload's does: libvips hears it at once.
        vips_error("VipsJpeg", "%s", text);
        return;
    }
    g_mutex_lock(&ahead->lock);
    if (ahead->message_count < WM_AHEAD_MAX_MESSAGES) {
        wm_ahead_message *message = &ahead->messages[ahead->message_count++];
        message->row = ahead->row;
        g_strlcpy(message->text, text, sizeof(message->text));
    }
    g_mutex_unlock(&ahead->lock);
}

static void wm_ahead_error_exit(j_common_ptr cinfo) {
    wm_ahead *ahead = cinfo->client_data;
    if (ahead->decoding) {
        (*cinfo->err->format_message)(cinfo, ahead->reason);
    } else {
        (*cinfo->err->output_message)(cinfo);
    }
    longjmp(ahead->errors.jump, 1);
}

// jpegload's rule: every warning counts, the first is told, and the hundredth is an error.
static void wm_ahead_emit_message(j_common_ptr cinfo, int level) {
    if (level < 0) {
        const long warnings = ++cinfo->err->num_warnings;
        if (warnings == 1) {
            (*cinfo->err->output_message)(cinfo);
        } else if (warnings >= WM_AHEAD_MAX_WARNINGS) {
            cinfo->err->error_exit(cinfo);
        }
    } else if (cinfo->err->trace_level >= level) {
        (*cinfo->err->output_message)(cinfo);
    }
}

static void wm_ahead_init_source(j_decompress_ptr cinfo) {
    wm_ahead_source *source = (wm_ahead_source *)cinfo->src;
    source->pub.next_input_byte = source->buffer;
    source->pub.bytes_in_buffer = 0;
}

static boolean wm_ahead_fill_input_buffer(j_decompress_ptr cinfo) {
    wm_ahead_source *source = (wm_ahead_source *)cinfo->src;
    ssize_t count;
    do {
        count = read(source->fd, source->buffer, WM_AHEAD_READ_SIZE);
    } while (count < 0 && errno == EINTR);
    if (count <= 0) {
        // As jpegload with fail_on=error: data that ends early is an error.
        ERREXIT(cinfo, JERR_INPUT_EOF);
    }
    source->pub.next_input_byte = source->buffer;
    source->pub.bytes_in_buffer = (size_t)count;
    return TRUE;
}

static void wm_ahead_skip_input_data(j_decompress_ptr cinfo, long count) {
    wm_ahead_source *source = (wm_ahead_source *)cinfo->src;
    if (count <= 0) {
        return;
    }
    while (count > (long)source->pub.bytes_in_buffer) {
        count -= (long)source->pub.bytes_in_buffer;
        (void)(*source->pub.fill_input_buffer)(cinfo);
    }
    source->pub.next_input_byte += count;
    source->pub.bytes_in_buffer -= (size_t)count;
}

static void wm_ahead_term_source(j_decompress_ptr cinfo) { (void)cinfo; }

// Row after row into the ring, waiting while it is full, until the last row or a cancel.
static void wm_ahead_decode_rows(wm_ahead *ahead) {
    while (ahead->row < ahead->height) {
        g_mutex_lock(&ahead->lock);
        while (!ahead->cancelled && ahead->row - ahead->consumed >= ahead->ring) {
            g_cond_wait(&ahead->changed, &ahead->lock);
        }
        const int cancelled = ahead->cancelled;
        g_mutex_unlock(&ahead->lock);
        if (cancelled) {
            return;
        }
        JSAMPROW pointer = ahead->rows + (size_t)(ahead->row % ahead->ring) * ahead->stride;
        jpeg_read_scanlines(&ahead->cinfo, &pointer, 1);
        ahead->row += 1;
        if (ahead->row % WM_AHEAD_STRIP == 0 && ahead->row < ahead->height) {
            g_mutex_lock(&ahead->lock);
            ahead->produced = ahead->row;
            g_cond_broadcast(&ahead->changed);
            g_mutex_unlock(&ahead->lock);
        }
    }
}

// Publishes that the thread stopped. As jpegload, the rest of the file after the last row is not read.
static void wm_ahead_finish(wm_ahead *ahead, int failed) {
    g_mutex_lock(&ahead->lock);
    ahead->produced = ahead->row;
    ahead->failed = failed;
    ahead->finished = 1;
    g_cond_broadcast(&ahead->changed);
    g_mutex_unlock(&ahead->lock);
}

// The thread. libjpeg's errors jump back here.
static gpointer wm_ahead_decode(gpointer data) {
    wm_ahead *ahead = data;
    if (setjmp(ahead->errors.jump) == 0) {
        wm_ahead_decode_rows(ahead);
        wm_ahead_finish(ahead, 0);
    } else {
        wm_ahead_finish(ahead, 1);
    }
    return NULL;
}

// jpegload's load step: the header again and the start of decompression (which, for a progressive
// file, reads it all), then the thread takes over. Messages go to libvips as jpegload sends them.
static int wm_ahead_begin(wm_ahead *ahead) {
    j_decompress_ptr cinfo = &ahead->cinfo;
    if (setjmp(ahead->errors.jump)) {
        return -1;
    }
    jpeg_read_header(cinfo, TRUE);
    jpeg_calc_output_dimensions(cinfo);
    if ((int)cinfo->output_width != ahead->width || (int)cinfo->output_height != ahead->height ||
        cinfo->output_components != ahead->bands) {
        // As libvips' loaders when the pixels do not match the header (the file changed between them).
        vips_error("VipsForeignLoad", "%s", "images do not match");
        return -1;
    }
    ahead->rows = g_try_malloc(ahead->stride * (size_t)ahead->ring);
    if (ahead->rows == NULL) {
        vips_error("VipsJpeg", "cannot allocate %zu bytes for decoded rows", ahead->stride * (size_t)ahead->ring);
        return -1;
    }
    jpeg_start_decompress(cinfo);
    ahead->decoding = 1;
    GError *error = NULL;
    ahead->thread = g_thread_try_new("wamedia-jpeg", wm_ahead_decode, ahead, &error);
    if (ahead->thread == NULL) {
        ahead->decoding = 0;
        vips_error("VipsJpeg", "cannot start the decoding thread: %s", error != NULL ? error->message : "unknown");
        g_clear_error(&error);
        return -1;
    }
    return 0;
}

// The start function of the image handed out, as libvips' loaders have: the first one runs the load
// step, and once it has failed every later one fails too.
static void *wm_ahead_start(VipsImage *out, void *a, void *b) {
    (void)out;
    wm_ahead *ahead = b;
    g_mutex_lock(&ahead->loading);
    if (ahead->loaded == 0) {
        ahead->loaded = wm_ahead_begin(ahead) == 0 ? 1 : -1;
    }
    const int loaded = ahead->loaded;
    g_mutex_unlock(&ahead->loading);
    return loaded == 1 ? vips_region_new((VipsImage *)a) : NULL;
}

// As libvips' loaders: the image handed out shows the sequential rows behind it.
static int wm_ahead_copy(VipsRegion *out, void *sequence, void *a, void *b, gboolean *stop) {
    (void)a;
    (void)b;
    (void)stop;
    VipsRegion *rows = sequence;
    const VipsRect *r = &out->valid;
    if (vips_region_prepare(rows, r) != 0) {
        return -1;
    }
    return vips_region_region(out, rows, r, r->left, r->top);
}

// Rows from the ring, once the thread has decoded them.
static int wm_ahead_generate(VipsRegion *out, void *sequence, void *a, void *b, gboolean *stop) {
    (void)sequence;
    (void)b;
    (void)stop;
    wm_ahead *ahead = a;
    const VipsRect *r = &out->valid;
    const int bottom = VIPS_RECT_BOTTOM(r);
    char told[WM_AHEAD_MAX_MESSAGES][JMSG_LENGTH_MAX];
    int tell = 0;
    g_mutex_lock(&ahead->lock);
    // Behind vips_sequential the rows come in order: those above this request are done with.
    if (r->top > ahead->consumed) {
        ahead->consumed = r->top;
        g_cond_broadcast(&ahead->changed);
    }
    const int in_order = r->top == ahead->consumed && r->height <= ahead->ring;
    while (in_order && ahead->produced < bottom && !ahead->finished) {
        g_cond_wait(&ahead->changed, &ahead->lock);
    }
    // jpegload tells a message when it decodes the row it came with, so the pipeline hears it now.
    while (ahead->messages_told < ahead->message_count && ahead->messages[ahead->messages_told].row < bottom) {
        g_strlcpy(told[tell++], ahead->messages[ahead->messages_told++].text, JMSG_LENGTH_MAX);
    }
    const int complete = ahead->produced >= bottom;
    const int failed = ahead->failed;
    const int consumed = ahead->consumed;
    g_mutex_unlock(&ahead->lock);
    for (int index = 0; index < tell; index++) {
        vips_error("VipsJpeg", "%s", told[index]);
    }
    if (!in_order || (!complete && !failed)) {
        vips_error("VipsJpeg", "out of order read at line %d", consumed);
        return -1;
    }
    if (!complete) {
        vips_error("VipsJpeg", "%s", ahead->reason);
        return -1;
    }
    for (int y = r->top; y < bottom; y++) {
        memcpy(VIPS_REGION_ADDR(out, r->left, y),
               ahead->rows + (size_t)(y % ahead->ring) * ahead->stride + (size_t)r->left * ahead->bands,
               (size_t)r->width * ahead->bands);
    }
    return 0;
}

// When the pixel image closes: stop the thread, wait for it, and free what it used.
static void wm_ahead_close(VipsImage *image, wm_ahead *ahead) {
    (void)image;
    g_mutex_lock(&ahead->lock);
    ahead->cancelled = 1;
    g_cond_broadcast(&ahead->changed);
    g_mutex_unlock(&ahead->lock);
    if (ahead->thread != NULL) {
        g_thread_join(ahead->thread);
    }
    if (ahead->cinfo.err->num_warnings != 0) {
        // As jpegload when it closes.
        g_log("VIPS", G_LOG_LEVEL_WARNING, "read gave %ld warnings", ahead->cinfo.err->num_warnings);
        g_log("VIPS", G_LOG_LEVEL_WARNING, "%s", vips_error_buffer());
    }
    jpeg_destroy_decompress(&ahead->cinfo);
    close(ahead->source.fd);
    g_free(ahead->rows);
    g_mutex_clear(&ahead->loading);
    g_mutex_clear(&ahead->lock);
    g_cond_clear(&ahead->changed);
    g_free(ahead);
}

// A new decompressor reading `fd` with jpegload's settings, or NULL.
static wm_ahead *wm_ahead_create(int fd, VipsImage *header) {
    wm_ahead *ahead = g_try_new0(wm_ahead, 1);
    if (ahead == NULL) {
        return NULL;
    }
    ahead->source.fd = fd;
    ahead->width = header->Xsize;
    ahead->height = header->Ysize;
    ahead->bands = header->Bands;
    ahead->stride = (size_t)ahead->width * ahead->bands;
    ahead->ring = (int)VIPS_MIN((size_t)ahead->height,
                                VIPS_MAX((size_t)WM_AHEAD_RING_MIN_ROWS, WM_AHEAD_RING_BYTES / ahead->stride));
    g_mutex_init(&ahead->loading);
    g_mutex_init(&ahead->lock);
    g_cond_init(&ahead->changed);
    j_decompress_ptr cinfo = &ahead->cinfo;
    cinfo->err = jpeg_std_error(&ahead->errors.pub);
    ahead->errors.pub.error_exit = wm_ahead_error_exit;
    ahead->errors.pub.emit_message = wm_ahead_emit_message;
    ahead->errors.pub.output_message = wm_ahead_output_message;
    cinfo->client_data = ahead;
    if (setjmp(ahead->errors.jump)) {
        // Only a libjpeg of another version than its header fails here.
        g_mutex_clear(&ahead->loading);
        g_mutex_clear(&ahead->lock);
        g_cond_clear(&ahead->changed);
        g_free(ahead);
        return NULL;
    }
    jpeg_create_decompress(cinfo);
    // The markers jpegload keeps (EXIF, ICC, IPTC, Adobe), so libjpeg reads the file the same way.
    jpeg_save_markers(cinfo, JPEG_APP0 + 1, 0xffff);
    jpeg_save_markers(cinfo, JPEG_APP0 + 2, 0xffff);
    jpeg_save_markers(cinfo, JPEG_APP0 + 13, 0xffff);
    jpeg_save_markers(cinfo, JPEG_APP0 + 14, 0xffff);
    ahead->source.pub.init_source = wm_ahead_init_source;
    ahead->source.pub.fill_input_buffer = wm_ahead_fill_input_buffer;
    ahead->source.pub.skip_input_data = wm_ahead_skip_input_data;
    ahead->source.pub.resync_to_restart = jpeg_resync_to_restart;
    ahead->source.pub.term_source = wm_ahead_term_source;
    ahead->source.pub.bytes_in_buffer = 0;
    ahead->source.pub.next_input_byte = ahead->source.buffer;
    cinfo->src = &ahead->source.pub;
    return ahead;
}

VipsImage *wm_jpeg_ahead_new(const char *path, VipsImage *header) {
    if (header->BandFmt != VIPS_FORMAT_UCHAR || (header->Bands != 1 && header->Bands != 3) ||
        header->Coding != VIPS_CODING_NONE) {
        return NULL;
    }
    // Opened now, while `path` names the file the header came from: the thread reads this descriptor.
    int fd;
    do {
        fd = open(path, O_RDONLY | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        return NULL;
    }
    wm_ahead *ahead = wm_ahead_create(fd, header);
    if (ahead == NULL) {
        close(fd);
        return NULL;
    }
    // From here the pixel image owns `ahead`: releasing it frees everything.
    VipsImage *pixels = vips_image_new();
    g_signal_connect(pixels, "close", G_CALLBACK(wm_ahead_close), ahead);
    VipsImage *ordered = NULL;
    if (vips_image_pipelinev(pixels, VIPS_DEMAND_STYLE_FATSTRIP, header, NULL) != 0 ||
        vips_image_generate(pixels, NULL, wm_ahead_generate, NULL, ahead, NULL) != 0 ||
        vips_sequential(pixels, &ordered, "tile_height", WM_AHEAD_STRIP, NULL) != 0) {
        g_object_unref(pixels);
        return NULL;
    }
    g_object_unref(pixels);
    VipsImage *loaded = vips_image_new();
    // The loaded image holds the rows behind it, and names the file in libvips' messages as jpegload's does.
    vips_object_local(loaded, ordered);
    if (vips_image_pipelinev(loaded, VIPS_DEMAND_STYLE_FATSTRIP, ordered, NULL) != 0 ||
        vips_image_generate(loaded, wm_ahead_start, wm_ahead_copy, vips_stop_one, ordered, ahead) != 0) {
        g_object_unref(loaded);
        return NULL;
    }
    VIPS_SETSTR(loaded->filename, header->filename);
    return loaded;
}

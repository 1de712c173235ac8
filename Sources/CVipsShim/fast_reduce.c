#include "fast_reduce.h"

#include <math.h>
#include <string.h>

// Four floats: one pixel's three samples plus padding, so a tap is one vector multiply-add.
typedef float wm_v4 __attribute__((vector_size(16)));
typedef int wm_i4 __attribute__((vector_size(16)));

// On x86-64 Linux, a second build of the inner loop for AVX2 machines (fused multiply-add,
// broadcasts from memory), picked when the library loads; about 10% faster than the SSE2 baseline.
#if defined(__x86_64__) && defined(__linux__)
#define WM_VECTOR_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define WM_VECTOR_CLONES
#endif

// The masks for one reduction, computed once: every output column reads `taps` input columns
// from `left`, with weights already folded for the image edges (extend by copying, as libvips).
typedef struct {
    int taps;
    int *left;
    float *weights; // taps per output column
} wm_reduceh_plan;

typedef struct {
    VipsRegion *input;
    wm_v4 *row;
    int capacity;
} wm_reduceh_sequence;

static double wm_lanczos3(double x) {
    if (x == 0) {
        return 1;
    }
    if (x <= -3 || x >= 3) {
        return 0;
    }
    double px = M_PI * x;
    return 3 * sin(px) * sin(px / 3) / (px * px);
}

static void *wm_reduceh_start(VipsImage *out, void *a, void *b) {
    (void)out;
    (void)b;
    wm_reduceh_sequence *sequence = g_new0(wm_reduceh_sequence, 1);
    sequence->input = vips_region_new((VipsImage *)a);
    return sequence;
}

static int wm_reduceh_stop(void *vsequence, void *a, void *b) {
    (void)a;
    (void)b;
    wm_reduceh_sequence *sequence = vsequence;
    VIPS_UNREF(sequence->input);
    g_free(sequence->row);
    g_free(sequence);
    return 0;
}

static inline VipsPel wm_clip_round(float value) {
    value += 0.5f;
    if (value <= 0) {
        return 0;
    }
    if (value >= 255) {
        return 255;
    }
    return (VipsPel)value;
}

WM_VECTOR_CLONES static int wm_reduceh_generate(VipsRegion *out, void *vsequence, void *a, void *b, gboolean *stop) {
    (void)a;
    (void)stop;
    wm_reduceh_sequence *sequence = vsequence;
    const wm_reduceh_plan *plan = b;
    const VipsRect *r = &out->valid;
    const int taps = plan->taps;
    const int first = plan->left[r->left];
    const int span = plan->left[r->left + r->width - 1] + taps - first;
    VipsRect need = {first, r->top, span, r->height};
    if (vips_region_prepare(sequence->input, &need) != 0) {
        return -1;
    }
    const int bands = out->im->Bands;
    if (bands == 3 && sequence->capacity < span) {
        g_free(sequence->row);
        sequence->row = g_new(wm_v4, span);
        sequence->capacity = span;
    }
    for (int y = 0; y < r->height; y++) {
        const VipsPel *p = VIPS_REGION_ADDR(sequence->input, first, r->top + y);
        VipsPel *q = VIPS_REGION_ADDR(out, r->left, r->top + y);
        if (bands == 3) {
            wm_v4 *row = sequence->row;
            for (int i = 0; i < span; i++) {
                row[i] = (wm_v4){p[3 * i], p[3 * i + 1], p[3 * i + 2], 0};
            }
            for (int x = 0; x < r->width; x++) {
                const int column = r->left + x;
                const wm_v4 *source = row + (plan->left[column] - first);
                const float *weight = plan->weights + (size_t)column * taps;
                // Two accumulators halve the dependency chain of the multiply-adds.
                wm_v4 even = {0, 0, 0, 0};
                wm_v4 odd = {0, 0, 0, 0};
                int i = 0;
                for (; i + 1 < taps; i += 2) {
                    even += source[i] * weight[i];
                    odd += source[i + 1] * weight[i + 1];
                }
                if (i < taps) {
                    even += source[i] * weight[i];
                }
                wm_v4 sum = even + odd + 0.5f;
                sum = __builtin_elementwise_min(__builtin_elementwise_max(sum, (wm_v4){0, 0, 0, 0}),
                                                (wm_v4){255, 255, 255, 255});
                const wm_i4 rounded = __builtin_convertvector(sum, wm_i4);
                q[3 * x] = (VipsPel)rounded[0];
                q[3 * x + 1] = (VipsPel)rounded[1];
                q[3 * x + 2] = (VipsPel)rounded[2];
            }
        } else {
            for (int x = 0; x < r->width; x++) {
                const int column = r->left + x;
                const VipsPel *source = p + (plan->left[column] - first);
                const float *weight = plan->weights + (size_t)column * taps;
                float sum = 0;
                for (int i = 0; i < taps; i++) {
                    sum += source[i] * weight[i];
                }
                q[x] = wm_clip_round(sum);
            }
        }
    }
    return 0;
}

int wm_reduceh_lanczos3(VipsImage *in, VipsImage **out, double hshrink) {
    const int width = VIPS_ROUND_UINT((double)in->Xsize / hshrink);
    // Taps on each side, as libvips counts them for Lanczos-3.
    const int half = (int)rint(3 * hshrink);
    const int taps = 2 * half + 1;
    if (in->BandFmt != VIPS_FORMAT_UCHAR || (in->Bands != 1 && in->Bands != 3) || in->Coding != VIPS_CODING_NONE ||
        hshrink <= 1 || hshrink > 8 || width < 1 || in->Xsize < taps) {
        return vips_reduceh(in, out, hshrink, "kernel", VIPS_KERNEL_LANCZOS3, NULL);
    }
    VipsImage *result = vips_image_new();
    if (vips_image_pipelinev(result, VIPS_DEMAND_STYLE_THINSTRIP, in, NULL) != 0) {
        g_object_unref(result);
        return -1;
    }
    result->Xsize = width;

    wm_reduceh_plan *plan = vips_malloc(VIPS_OBJECT(result), sizeof(wm_reduceh_plan));
    plan->taps = taps;
    plan->left = vips_malloc(VIPS_OBJECT(result), sizeof(int) * width);
    plan->weights = vips_malloc(VIPS_OBJECT(result), sizeof(float) * width * taps);
    memset(plan->weights, 0, sizeof(float) * width * taps);
    // Output pixel centres on the input grid, with any rounding of the width shared equally
    // between the left and right edges.
    const double extra = width * hshrink - in->Xsize;
    double mask[2 * 24 + 1];
    for (int x = 0; x < width; x++) {
        const double centre = (x + 0.5) * hshrink - 0.5 - extra / 2;
        const int middle = (int)floor(centre + 0.5);
        double sum = 0;
        for (int k = 0; k < taps; k++) {
            mask[k] = wm_lanczos3((middle - half + k - centre) / hshrink);
            sum += mask[k];
        }
        int left = middle - half;
        if (left < 0) {
            left = 0;
        }
        if (left > in->Xsize - taps) {
            left = in->Xsize - taps;
        }
        plan->left[x] = left;
        float *weights = plan->weights + (size_t)x * taps;
        for (int k = 0; k < taps; k++) {
            int position = middle - half + k;
            position = position < 0 ? 0 : position >= in->Xsize ? in->Xsize - 1 : position;
            weights[position - left] += (float)(mask[k] / sum);
        }
    }

    // The output holds the input until it closes.
    g_object_ref(in);
    vips_object_local(result, in);
    if (vips_image_generate(result, wm_reduceh_start, wm_reduceh_generate, wm_reduceh_stop, in, plan) != 0) {
        g_object_unref(result);
        return -1;
    }
    *out = result;
    return 0;
}

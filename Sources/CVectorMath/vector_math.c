// Vectorised kernels for the fused ops; see include/glimpse_vector_math.h.
#include "glimpse_vector_math.h"
#include "lanes.h"

#include <stdint.h>
#include <string.h>

// eˣ by Cephes' expf: x = n·ln 2 + r with n = round(x/ln 2) by the 1.5·2²³ trick (ln 2 split in
// two), eʳ by a degree-7 polynomial, and 2ⁿ built in the exponent bits. Branch-free, so the loops
// below vectorise. Returns eʳ, and n in `n`.
static inline __attribute__((always_inline)) float exponential_of_remainder(float x, int32_t *n) {
    const float shifter = 12582912.0f;  // 1.5·2²³: adding it rounds to an integer
    float shifted = x * 1.44269504f + shifter;
    float whole = shifted - shifter;
    float r = x - whole * 0.693359375f + whole * 2.1219444e-4f;
    float p = 1.98756915e-4f;
    p = p * r + 1.39819995e-3f;
    p = p * r + 8.3334519e-3f;
    p = p * r + 4.16657959e-2f;
    p = p * r + 1.66666655e-1f;
    p = p * r + 5.0000001e-1f;
    p = p * r * r + r + 1.0f;
    // The low bits of `shifted` hold n.
    uint32_t shiftedBits, shifterBits;
    memcpy(&shiftedBits, &shifted, 4);
    memcpy(&shifterBits, &shifter, 4);
    *n = (int32_t)(shiftedBits - shifterBits);
    return p;
}

// 2ⁿ for n in −126…127: exponent field n + 127.
static inline __attribute__((always_inline)) float power_of_two(int32_t n) {
    uint32_t bits = (uint32_t)(n + 127) << 23;
    float value;
    memcpy(&value, &bits, 4);
    return value;
}

// eˣ for x clamped to −87…88 (what σ and tanh need).
static inline __attribute__((always_inline)) float exponential(float x) {
    int32_t n;
    float p = exponential_of_remainder(x < -87.0f ? -87.0f : (x > 88.0f ? 88.0f : x), &n);
    return p * power_of_two(n);
}

// eˣ over expf's whole range: 2ⁿ as 2ᵃ·2ᵇ (a = ⌊n/2⌋, b = n − a) so that both factors stay
// normal for n in −126…128; 0 where expf underflows below the smallest normal, +∞ where it
// overflows.
static inline __attribute__((always_inline)) float exponential_limited(float x) {
    int32_t n;
    float p = exponential_of_remainder(
        x < -87.33654f ? -87.33654f : (x > 88.72283f ? 88.72283f : x), &n);
    int32_t a = n >> 1;
    float y = p * power_of_two(a) * power_of_two(n - a);
    y = x < -87.33654f ? 0.0f : y;
    return x > 88.72283f ? __builtin_inff() : y;
}

static inline __attribute__((always_inline)) float sigmoid(float x) {
    return 1.0f / (1.0f + exponential(-x));
}

static inline __attribute__((always_inline)) float hyperbolic_tangent(float x) {
    return 1.0f - 2.0f / (exponential(2.0f * x) + 1.0f);
}

// Each kernel body is written once as an inline function and instantiated twice: for the
// baseline and, marked WIDE, for AVX2+FMA.
static inline __attribute__((always_inline)) void tanh_of_sum_body(
    const float *a, const float *b, float *out, ptrdiff_t count) {
    for (ptrdiff_t i = 0; i < count; i++) out[i] = hyperbolic_tangent(a[i] + b[i]);
}

static inline __attribute__((always_inline)) void tanh_body(
    const float *x, float *out, ptrdiff_t count) {
    for (ptrdiff_t i = 0; i < count; i++) out[i] = hyperbolic_tangent(x[i]);
}

static inline __attribute__((always_inline)) void exp_body(
    const float *x, float *out, ptrdiff_t count) {
    for (ptrdiff_t i = 0; i < count; i++) out[i] = exponential_limited(x[i]);
}

static inline __attribute__((always_inline)) void sigmoid_body(
    const float *x, float *out, ptrdiff_t count) {
    for (ptrdiff_t i = 0; i < count; i++) out[i] = sigmoid(x[i]);
}

static inline __attribute__((always_inline)) void lstm_forward_body(
    const float *restrict gates, ptrdiff_t stride, const float *restrict cell,
    float *restrict hidden, float *restrict new_cell, float *restrict saved, ptrdiff_t rows,
    ptrdiff_t width) {
    for (ptrdiff_t n = 0; n < rows; n++) {
        const float *a = gates + n * 4 * stride;
        const float *c = cell + n * width;
        float *h = hidden + n * width;
        float *c2 = new_cell + n * width;
        // Two loops, not one with `if (saved)` inside: clang vectorises only one version of
        // such a loop (measured: half the vector divisions in the AVX2 copy).
        if (saved) {
            float *s = saved + n * 5 * width;
            for (ptrdiff_t j = 0; j < width; j++) {
                float i = sigmoid(a[j]);
                float f = sigmoid(a[stride + j]);
                float g = hyperbolic_tangent(a[2 * stride + j]);
                float o = sigmoid(a[3 * stride + j]);
                float cj = f * c[j] + i * g;
                float tc = hyperbolic_tangent(cj);
                c2[j] = cj;
                h[j] = o * tc;
                s[j] = i;
                s[width + j] = f;
                s[2 * width + j] = g;
                s[3 * width + j] = o;
                s[4 * width + j] = tc;
            }
        } else {
            for (ptrdiff_t j = 0; j < width; j++) {
                float i = sigmoid(a[j]);
                float f = sigmoid(a[stride + j]);
                float g = hyperbolic_tangent(a[2 * stride + j]);
                float o = sigmoid(a[3 * stride + j]);
                float cj = f * c[j] + i * g;
                c2[j] = cj;
                h[j] = o * hyperbolic_tangent(cj);
            }
        }
    }
}

/// Whether `value` replaces `maximum` as a window's maximum: it is larger, or it is the window's
/// first NaN. Bitwise, so the loops below vectorise into compares and blends.
static inline __attribute__((always_inline)) int exceeds(float value, float maximum) {
    return (value > maximum) | ((value != value) & (maximum == maximum));
}

static inline __attribute__((always_inline)) void max_pool_2x2_body(
    const float *restrict x, ptrdiff_t height, ptrdiff_t width, float *restrict y,
    int32_t *restrict argmax) {
    ptrdiff_t rows = height / 2, columns = width / 2;
    for (ptrdiff_t i = 0; i < rows; i++) {
        const float *top = x + 2 * i * width, *bottom = top + width;
        float *out = y + i * columns;
        // Candidates in row-major order: top-left, top-right, bottom-left, bottom-right.
        if (argmax == NULL) {
            for (ptrdiff_t j = 0; j < columns; j++) {
                float maximum = top[2 * j], value = top[2 * j + 1];
                maximum = exceeds(value, maximum) ? value : maximum;
                value = bottom[2 * j];
                maximum = exceeds(value, maximum) ? value : maximum;
                value = bottom[2 * j + 1];
                maximum = exceeds(value, maximum) ? value : maximum;
                out[j] = maximum;
            }
            continue;
        }
        int32_t *best = argmax + i * columns;
        int32_t base = (int32_t)(2 * i * width), below = (int32_t)width;
        for (ptrdiff_t j = 0; j < columns; j++) {
            int32_t topLeft = base + 2 * (int32_t)j, at = topLeft;
            float maximum = top[2 * j], value = top[2 * j + 1];
            int larger = exceeds(value, maximum);
            maximum = larger ? value : maximum;
            at = larger ? topLeft + 1 : at;
            value = bottom[2 * j];
            larger = exceeds(value, maximum);
            maximum = larger ? value : maximum;
            at = larger ? topLeft + below : at;
            value = bottom[2 * j + 1];
            larger = exceeds(value, maximum);
            maximum = larger ? value : maximum;
            at = larger ? topLeft + below + 1 : at;
            out[j] = maximum;
            best[j] = at;
        }
    }
}

static void tanh_of_sum_baseline(const float *a, const float *b, float *out, ptrdiff_t count) {
    tanh_of_sum_body(a, b, out, count);
}
WIDE static void tanh_of_sum_wide(const float *a, const float *b, float *out, ptrdiff_t count) {
    tanh_of_sum_body(a, b, out, count);
}
static void tanh_baseline(const float *x, float *out, ptrdiff_t count) {
    tanh_body(x, out, count);
}
WIDE static void tanh_wide(const float *x, float *out, ptrdiff_t count) {
    tanh_body(x, out, count);
}
static void exp_baseline(const float *x, float *out, ptrdiff_t count) {
    exp_body(x, out, count);
}
WIDE static void exp_wide(const float *x, float *out, ptrdiff_t count) {
    exp_body(x, out, count);
}
static void sigmoid_baseline(const float *x, float *out, ptrdiff_t count) {
    sigmoid_body(x, out, count);
}
WIDE static void sigmoid_wide(const float *x, float *out, ptrdiff_t count) {
    sigmoid_body(x, out, count);
}
static void lstm_forward_baseline(
    const float *gates, ptrdiff_t stride, const float *cell, float *hidden, float *new_cell,
    float *saved, ptrdiff_t rows, ptrdiff_t width) {
    lstm_forward_body(gates, stride, cell, hidden, new_cell, saved, rows, width);
}
WIDE static void lstm_forward_wide(
    const float *gates, ptrdiff_t stride, const float *cell, float *hidden, float *new_cell,
    float *saved, ptrdiff_t rows, ptrdiff_t width) {
    lstm_forward_body(gates, stride, cell, hidden, new_cell, saved, rows, width);
}

static void max_pool_2x2_baseline(
    const float *x, ptrdiff_t height, ptrdiff_t width, float *y, int32_t *argmax) {
    max_pool_2x2_body(x, height, width, y, argmax);
}
WIDE static void max_pool_2x2_wide(
    const float *x, ptrdiff_t height, ptrdiff_t width, float *y, int32_t *argmax) {
    max_pool_2x2_body(x, height, width, y, argmax);
}

int glimpse_lanes_available(void) {
    static int answer = -1;  // not yet asked; the answer cannot change
    int known = __atomic_load_n(&answer, __ATOMIC_RELAXED);
    if (known < 0) {
        __builtin_cpu_init();
        // __builtin_cpu_supports reports AVX-512 only where the system saves its registers.
        if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma"))
            known = GLIMPSE_LANES_BASELINE;
        else if (!__builtin_cpu_supports("avx512f"))
            known = GLIMPSE_LANES_WIDE;
        else
            known = GLIMPSE_LANES_WIDEST;
        __atomic_store_n(&answer, known, __ATOMIC_RELAXED);
    }
    return known;
}

static int lanes_allowed = GLIMPSE_LANES_WIDEST;

void glimpse_allow_lanes(int level) {
    __atomic_store_n(&lanes_allowed, level, __ATOMIC_RELAXED);
}

int glimpse_lanes(void) {
    int allowed = __atomic_load_n(&lanes_allowed, __ATOMIC_RELAXED);
    int available = glimpse_lanes_available();
    return allowed < available ? allowed : available;
}

void glimpse_tanh_of_sum(const float *a, const float *b, float *out, ptrdiff_t count) {
    if (glimpse_has_wide_lanes()) tanh_of_sum_wide(a, b, out, count);
    else tanh_of_sum_baseline(a, b, out, count);
}

void glimpse_tanh(const float *x, float *out, ptrdiff_t count) {
    if (glimpse_has_wide_lanes()) tanh_wide(x, out, count);
    else tanh_baseline(x, out, count);
}

void glimpse_exp(const float *x, float *out, ptrdiff_t count) {
    if (glimpse_has_wide_lanes()) exp_wide(x, out, count);
    else exp_baseline(x, out, count);
}

void glimpse_sigmoid(const float *x, float *out, ptrdiff_t count) {
    if (glimpse_has_wide_lanes()) sigmoid_wide(x, out, count);
    else sigmoid_baseline(x, out, count);
}

void glimpse_lstm_forward(
    const float *gates, ptrdiff_t gate_stride, const float *cell, float *hidden, float *new_cell,
    float *saved, ptrdiff_t rows, ptrdiff_t width) {
    if (glimpse_has_wide_lanes())
        lstm_forward_wide(gates, gate_stride, cell, hidden, new_cell, saved, rows, width);
    else lstm_forward_baseline(gates, gate_stride, cell, hidden, new_cell, saved, rows, width);
}

void glimpse_max_pool_2x2(
    const float *x, ptrdiff_t height, ptrdiff_t width, float *y, int32_t *argmax) {
    if (glimpse_has_wide_lanes()) max_pool_2x2_wide(x, height, width, y, argmax);
    else max_pool_2x2_baseline(x, height, width, y, argmax);
}

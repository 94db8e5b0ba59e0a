// Matrix products against a matrix packed once and used many times; see
// include/glimpse_vector_math.h.
//
// OpenBLAS packs both operands of every sgemm call into its own panel layout. A recurrent step
// multiplies a few rows by the same weight matrix at every step, so that copy is redone T times
// (measured: 12% of an LSTM's forward pass). Here the weight is packed once into panels of 16
// columns, B[k, 16p ..< 16p + 16] contiguous for k = 0 ..< K, and each step runs a 6 × 16
// register-blocked kernel straight from the unpacked rows of A: 12 accumulators of 8 lanes,
// one broadcast of A and two loads of B per k. With AVX-512 a panel is one register: 8 rows
// of two panels at once (16 accumulators of 16 lanes), or 12 rows of a last lone panel. Each
// output is summed over k in the same order with fused multiply–adds in both wide copies, so
// AVX-512 gives the AVX2 copy's results bit for bit.
#include "glimpse_vector_math.h"
#include "lanes.h"

#include <string.h>

enum { PANEL = 16, BLOCK_ROWS = 6, PAIR_ROWS = 8, LONE_ROWS = 12 };

/// 8 lanes; aligned(4) allows unaligned loads and stores through it.
typedef float lanes8 __attribute__((vector_size(32), aligned(4)));
/// 16 lanes, one panel's line; aligned(4) as above.
typedef float lanes16 __attribute__((vector_size(64), aligned(4)));

ptrdiff_t glimpse_packed_count(ptrdiff_t k, ptrdiff_t n) {
    return (n + PANEL - 1) / PANEL * PANEL * k;
}

void glimpse_pack(
    const float *b, ptrdiff_t k, ptrdiff_t n, ptrdiff_t row_stride, ptrdiff_t column_stride,
    float *packed) {
    for (ptrdiff_t p = 0; p < n; p += PANEL) {
        ptrdiff_t width = n - p < PANEL ? n - p : PANEL;
        float *panel = packed + p * k;
        for (ptrdiff_t kk = 0; kk < k; kk++) {
            float *line = panel + kk * PANEL;
            for (ptrdiff_t j = 0; j < width; j++)
                line[j] = b[kk * row_stride + (p + j) * column_stride];
            for (ptrdiff_t j = width; j < PANEL; j++) line[j] = 0;
        }
    }
}

/// C[rows, columns] (+)= A[rows, k] · one panel, for rows ≤ 6 (a constant after inlining) and
/// columns ≤ 16 (the panel's padding beyond is not stored); C is overwritten unless `accumulate`.
static inline __attribute__((always_inline)) void block_product(
    const float *restrict a, ptrdiff_t lda, const float *restrict panel, float *restrict c,
    ptrdiff_t ldc, ptrdiff_t k, int rows, ptrdiff_t columns, int accumulate) {
    lanes8 sum[BLOCK_ROWS][2];
    for (int r = 0; r < rows; r++) sum[r][0] = sum[r][1] = (lanes8){0};
    for (ptrdiff_t kk = 0; kk < k; kk++) {
        lanes8 low = *(const lanes8 *)(panel + kk * PANEL);
        lanes8 high = *(const lanes8 *)(panel + kk * PANEL + 8);
        for (int r = 0; r < rows; r++) {
            float x = a[r * lda + kk];
            sum[r][0] += x * low;
            sum[r][1] += x * high;
        }
    }
    for (int r = 0; r < rows; r++) {
        float *line = c + r * ldc;
        if (columns == PANEL && accumulate) {
            *(lanes8 *)line += sum[r][0];
            *(lanes8 *)(line + 8) += sum[r][1];
        } else if (columns == PANEL) {
            *(lanes8 *)line = sum[r][0];
            *(lanes8 *)(line + 8) = sum[r][1];
        } else {
            float spill[PANEL];
            memcpy(spill, &sum[r][0], sizeof(lanes8));
            memcpy(spill + 8, &sum[r][1], sizeof(lanes8));
            for (ptrdiff_t j = 0; j < columns; j++) line[j] = accumulate ? line[j] + spill[j] : spill[j];
        }
    }
}

static inline __attribute__((always_inline)) void packed_product_body(
    const float *a, ptrdiff_t lda, const float *packed, float *c, ptrdiff_t ldc, ptrdiff_t m,
    ptrdiff_t n, ptrdiff_t k, int accumulate) {
    for (ptrdiff_t p = 0; p < n; p += PANEL) {
        const float *panel = packed + p * k;
        ptrdiff_t columns = n - p < PANEL ? n - p : PANEL;
        ptrdiff_t i = 0;
        for (; i + BLOCK_ROWS <= m; i += BLOCK_ROWS)
            block_product(a + i * lda, lda, panel, c + i * ldc + p, ldc, k, BLOCK_ROWS, columns, accumulate);
        // The last 1–5 rows, each count a constant so that the loops over rows unroll.
        const float *ra = a + i * lda;
        float *rc = c + i * ldc + p;
        switch (m - i) {
        case 5: block_product(ra, lda, panel, rc, ldc, k, 5, columns, accumulate); break;
        case 4: block_product(ra, lda, panel, rc, ldc, k, 4, columns, accumulate); break;
        case 3: block_product(ra, lda, panel, rc, ldc, k, 3, columns, accumulate); break;
        case 2: block_product(ra, lda, panel, rc, ldc, k, 2, columns, accumulate); break;
        case 1: block_product(ra, lda, panel, rc, ldc, k, 1, columns, accumulate); break;
        default: break;
        }
    }
}

static void packed_product_baseline(
    const float *a, ptrdiff_t lda, const float *packed, float *c, ptrdiff_t ldc, ptrdiff_t m,
    ptrdiff_t n, ptrdiff_t k, int accumulate) {
    packed_product_body(a, lda, packed, c, ldc, m, n, k, accumulate);
}
WIDE static void packed_product_wide(
    const float *a, ptrdiff_t lda, const float *packed, float *c, ptrdiff_t ldc, ptrdiff_t m,
    ptrdiff_t n, ptrdiff_t k, int accumulate) {
    packed_product_body(a, lda, packed, c, ldc, m, n, k, accumulate);
}

/// Stores one panel's line of sums into C: all 16 columns, or the first `columns` (< 16).
WIDEST static inline __attribute__((always_inline)) void store_line(
    float *line, lanes16 sum, ptrdiff_t columns, int accumulate) {
    if (columns == PANEL) {
        if (accumulate) *(lanes16 *)line += sum;
        else *(lanes16 *)line = sum;
        return;
    }
    float spill[PANEL];
    memcpy(spill, &sum, sizeof(lanes16));
    for (ptrdiff_t j = 0; j < columns; j++) line[j] = accumulate ? line[j] + spill[j] : spill[j];
}

/// C[rows, 16 + rest] (+)= A[rows, k] · two adjacent panels, for rows ≤ 8 and 0 < rest ≤ 16.
WIDEST static inline __attribute__((always_inline)) void pair_product(
    const float *restrict a, ptrdiff_t lda, const float *restrict panel, float *restrict c,
    ptrdiff_t ldc, ptrdiff_t k, int rows, ptrdiff_t rest, int accumulate) {
    const float *restrict next = panel + k * PANEL;
    lanes16 sum[PAIR_ROWS][2];
    for (int r = 0; r < rows; r++) sum[r][0] = sum[r][1] = (lanes16){0};
    for (ptrdiff_t kk = 0; kk < k; kk++) {
        lanes16 low = *(const lanes16 *)(panel + kk * PANEL);
        lanes16 high = *(const lanes16 *)(next + kk * PANEL);
        for (int r = 0; r < rows; r++) {
            float x = a[r * lda + kk];
            sum[r][0] += x * low;
            sum[r][1] += x * high;
        }
    }
    for (int r = 0; r < rows; r++) {
        store_line(c + r * ldc, sum[r][0], PANEL, accumulate);
        store_line(c + r * ldc + PANEL, sum[r][1], rest, accumulate);
    }
}

/// C[rows, columns] (+)= A[rows, k] · one panel, for rows ≤ 12 and columns ≤ 16.
WIDEST static inline __attribute__((always_inline)) void lone_product(
    const float *restrict a, ptrdiff_t lda, const float *restrict panel, float *restrict c,
    ptrdiff_t ldc, ptrdiff_t k, int rows, ptrdiff_t columns, int accumulate) {
    lanes16 sum[LONE_ROWS];
    for (int r = 0; r < rows; r++) sum[r] = (lanes16){0};
    for (ptrdiff_t kk = 0; kk < k; kk++) {
        lanes16 line = *(const lanes16 *)(panel + kk * PANEL);
        for (int r = 0; r < rows; r++) sum[r] += a[r * lda + kk] * line;
    }
    for (int r = 0; r < rows; r++) store_line(c + r * ldc, sum[r], columns, accumulate);
}

WIDEST static void packed_product_widest(
    const float *a, ptrdiff_t lda, const float *packed, float *c, ptrdiff_t ldc, ptrdiff_t m,
    ptrdiff_t n, ptrdiff_t k, int accumulate) {
    ptrdiff_t p = 0;
    for (; n - p > PANEL; p += 2 * PANEL) {
        const float *panel = packed + p * k;
        ptrdiff_t rest = n - p - PANEL < PANEL ? n - p - PANEL : PANEL;
        ptrdiff_t i = 0;
        for (; i + PAIR_ROWS <= m; i += PAIR_ROWS)
            pair_product(a + i * lda, lda, panel, c + i * ldc + p, ldc, k, PAIR_ROWS, rest, accumulate);
        // The last 1–7 rows, each count a constant so that the loops over rows unroll.
        const float *ra = a + i * lda;
        float *rc = c + i * ldc + p;
        switch (m - i) {
        case 7: pair_product(ra, lda, panel, rc, ldc, k, 7, rest, accumulate); break;
        case 6: pair_product(ra, lda, panel, rc, ldc, k, 6, rest, accumulate); break;
        case 5: pair_product(ra, lda, panel, rc, ldc, k, 5, rest, accumulate); break;
        case 4: pair_product(ra, lda, panel, rc, ldc, k, 4, rest, accumulate); break;
        case 3: pair_product(ra, lda, panel, rc, ldc, k, 3, rest, accumulate); break;
        case 2: pair_product(ra, lda, panel, rc, ldc, k, 2, rest, accumulate); break;
        case 1: pair_product(ra, lda, panel, rc, ldc, k, 1, rest, accumulate); break;
        default: break;
        }
    }
    if (p >= n) return;
    // A last lone panel of 1–16 columns.
    const float *panel = packed + p * k;
    ptrdiff_t columns = n - p;
    ptrdiff_t i = 0;
    for (; i + LONE_ROWS <= m; i += LONE_ROWS)
        lone_product(a + i * lda, lda, panel, c + i * ldc + p, ldc, k, LONE_ROWS, columns, accumulate);
    const float *ra = a + i * lda;
    float *rc = c + i * ldc + p;
    switch (m - i) {
    case 11: lone_product(ra, lda, panel, rc, ldc, k, 11, columns, accumulate); break;
    case 10: lone_product(ra, lda, panel, rc, ldc, k, 10, columns, accumulate); break;
    case 9: lone_product(ra, lda, panel, rc, ldc, k, 9, columns, accumulate); break;
    case 8: lone_product(ra, lda, panel, rc, ldc, k, 8, columns, accumulate); break;
    case 7: lone_product(ra, lda, panel, rc, ldc, k, 7, columns, accumulate); break;
    case 6: lone_product(ra, lda, panel, rc, ldc, k, 6, columns, accumulate); break;
    case 5: lone_product(ra, lda, panel, rc, ldc, k, 5, columns, accumulate); break;
    case 4: lone_product(ra, lda, panel, rc, ldc, k, 4, columns, accumulate); break;
    case 3: lone_product(ra, lda, panel, rc, ldc, k, 3, columns, accumulate); break;
    case 2: lone_product(ra, lda, panel, rc, ldc, k, 2, columns, accumulate); break;
    case 1: lone_product(ra, lda, panel, rc, ldc, k, 1, columns, accumulate); break;
    default: break;
    }
}

void glimpse_packed_product(
    const float *a, ptrdiff_t lda, const float *packed, float *c, ptrdiff_t ldc, ptrdiff_t m,
    ptrdiff_t n, ptrdiff_t k, int accumulate) {
    switch (glimpse_lanes()) {
    case GLIMPSE_LANES_WIDEST:
        packed_product_widest(a, lda, packed, c, ldc, m, n, k, accumulate);
        break;
    case GLIMPSE_LANES_WIDE:
        packed_product_wide(a, lda, packed, c, ldc, m, n, k, accumulate);
        break;
    default: packed_product_baseline(a, lda, packed, c, ldc, m, n, k, accumulate); break;
    }
}

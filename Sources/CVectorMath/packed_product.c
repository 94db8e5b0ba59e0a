// Matrix products against a matrix packed once and used many times; see
// include/glimpse_vector_math.h.
//
// OpenBLAS packs both operands of every sgemm call into its own panel layout. A recurrent step
// multiplies a few rows by the same weight matrix at every step, so that copy is redone T times
// (measured: 12% of an LSTM's forward pass). Here the weight is packed once into panels of 16
// columns, B[k, 16p ..< 16p + 16] contiguous for k = 0 ..< K, and each step runs a 6 × 16
// register-blocked kernel straight from the unpacked rows of A: 12 accumulators of 8 lanes,
// one broadcast of A and two loads of B per k.
#include "glimpse_vector_math.h"
#include "lanes.h"

#include <string.h>

enum { PANEL = 16, BLOCK_ROWS = 6 };

/// 8 lanes; aligned(4) allows unaligned loads and stores through it.
typedef float lanes8 __attribute__((vector_size(32), aligned(4)));

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

void glimpse_packed_product(
    const float *a, ptrdiff_t lda, const float *packed, float *c, ptrdiff_t ldc, ptrdiff_t m,
    ptrdiff_t n, ptrdiff_t k, int accumulate) {
    if (glimpse_has_wide_lanes()) packed_product_wide(a, lda, packed, c, ldc, m, n, k, accumulate);
    else packed_product_baseline(a, lda, packed, c, ldc, m, n, k, accumulate);
}

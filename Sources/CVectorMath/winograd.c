// The transforms of Winograd's minimal filtering F(2×2, 3×3) (Lavin & Gray, "Fast Algorithms for
// Convolutional Neural Networks", CVPR 2016): a 2×2 block of a 3×3 convolution's output from a
// 4×4 block d of its input is Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A, 16 multiplications instead of 36.
//
//        ⎡1  0 −1  0⎤        ⎡ 1    0    0 ⎤        ⎡1  1  1  0⎤
//   Bᵀ = ⎢0  1  1  0⎥    G = ⎢1/2  1/2  1/2⎥   Aᵀ = ⎣0  1 −1 −1⎦
//        ⎢0 −1  1  0⎥        ⎢1/2 −1/2  1/2⎥
//        ⎣0  1  0 −1⎦        ⎣ 0    0    1 ⎦
//
// Summed over input channels, the element-wise products become 16 matrix products
// M[ξ] = U[ξ]·V[ξ] (U[ξ] [outputs, channels], V[ξ] [channels, tiles]), run by packed_product.c
// on V[ξ] written here in its panel layout. The input and output transforms are additions only,
// the same in both compiled copies.
#include "glimpse_vector_math.h"
#include "lanes.h"

#include <string.h>


void glimpse_winograd_weights(const float *w, ptrdiff_t outputs, ptrdiff_t channels, float *u) {
    ptrdiff_t plane = outputs * channels;
    for (ptrdiff_t oc = 0; oc < plane; oc++) {
        const float *g = w + 9 * oc;
        float t[4][3];  // G·g
        for (int j = 0; j < 3; j++) {
            t[0][j] = g[j];
            t[1][j] = 0.5f * (g[j] + g[3 + j] + g[6 + j]);
            t[2][j] = 0.5f * (g[j] - g[3 + j] + g[6 + j]);
            t[3][j] = g[6 + j];
        }
        for (int i = 0; i < 4; i++) {  // (G·g)·Gᵀ
            float *row = u + 4 * i * plane + oc;
            row[0] = t[i][0];
            row[plane] = 0.5f * (t[i][0] + t[i][1] + t[i][2]);
            row[2 * plane] = 0.5f * (t[i][0] - t[i][1] + t[i][2]);
            row[3 * plane] = t[i][2];
        }
    }
}

/// 8 lanes; aligned(4) allows unaligned loads and stores through it.
typedef float lanes8 __attribute__((vector_size(32), aligned(4)));

// Of the 16 floats lo ++ hi, those at even and at odd positions.
static inline __attribute__((always_inline)) lanes8 even_lanes(lanes8 lo, lanes8 hi) {
    return __builtin_shufflevector(lo, hi, 0, 2, 4, 6, 8, 10, 12, 14);
}
static inline __attribute__((always_inline)) lanes8 odd_lanes(lanes8 lo, lanes8 hi) {
    return __builtin_shufflevector(lo, hi, 1, 3, 5, 7, 9, 11, 13, 15);
}

// Eight tiles at a time: row i of a tile's window, d[i][0 ... 3] = x[2t − 1 ... 2t + 2] of
// input row 2r − 1 + i, comes from the padded copy p of that row (p[0] = 0, p[1 + k] = x[k],
// zeros beyond) as the even and odd lanes of p[16g ..< 16g + 16] and of p[16g + 2 ..< 16g + 18].
static inline __attribute__((always_inline)) void winograd_input_body(
    const float *restrict x, ptrdiff_t channels, ptrdiff_t height, ptrdiff_t width,
    ptrdiff_t first_row, ptrdiff_t rows, ptrdiff_t panel, float *restrict v,
    float *restrict scratch) {
    ptrdiff_t tiles = width / 2, count = rows * tiles, groups = (tiles + 7) / 8;
    ptrdiff_t padded = 16 * groups + 2;  // a padded row's floats
    ptrdiff_t panels = (count + panel - 1) / panel;
    ptrdiff_t stride = panels * panel * channels;  // between V[ξ] and V[ξ + 1]
    for (ptrdiff_t c = 0; c < channels; c++) {
        const float *plane = x + c * height * width;
        for (ptrdiff_t i = 0; i < 2 * rows + 2; i++) {  // the band's input rows, padded
            float *line = scratch + i * padded;
            ptrdiff_t y = 2 * first_row - 1 + i;
            memset(line, 0, (size_t)padded * sizeof(float));
            if (y >= 0 && y < height) memcpy(line + 1, plane + y * width, (size_t)width * sizeof(float));
        }
        for (ptrdiff_t r = 0; r < rows; r++) {
            for (ptrdiff_t g = 0; g < groups; g++) {
                lanes8 d[4][4];  // d·B over eight tiles: row i, column j
                for (int i = 0; i < 4; i++) {
                    const float *p = scratch + (2 * r + i) * padded + 16 * g;
                    lanes8 a0 = *(const lanes8 *)p, a1 = *(const lanes8 *)(p + 8);
                    lanes8 b0 = *(const lanes8 *)(p + 2), b1 = *(const lanes8 *)(p + 10);
                    lanes8 before = even_lanes(a0, a1), at = odd_lanes(a0, a1);  // x[2t − 1], x[2t]
                    lanes8 after = even_lanes(b0, b1), next = odd_lanes(b0, b1);  // x[2t + 1], x[2t + 2]
                    d[i][0] = before - after;
                    d[i][1] = at + after;
                    d[i][2] = after - at;
                    d[i][3] = at - next;
                }
                // Tile u of channel c goes to (u / panel)·panel·C + panel·c + u % panel of V[ξ].
                ptrdiff_t u = r * tiles + 8 * g, valid = tiles - 8 * g < 8 ? tiles - 8 * g : 8;
                float *to = v + (u / panel) * panel * channels + panel * c + u % panel;
                int whole = valid == 8 && u % panel <= panel - 8;
                for (int j = 0; j < 4; j++) {  // Bᵀ·(d·B), column j
                    lanes8 column[4] = {
                        d[0][j] - d[2][j], d[1][j] + d[2][j], d[2][j] - d[1][j], d[1][j] - d[3][j]};
                    for (int i = 0; i < 4; i++) {
                        float *out = to + (4 * i + j) * stride;
                        if (whole) {
                            *(lanes8 *)out = column[i];
                            continue;
                        }
                        float spill[8];
                        memcpy(spill, &column[i], sizeof(lanes8));
                        for (ptrdiff_t k = 0; k < valid; k++) {
                            ptrdiff_t w = u + k;
                            out[(w / panel - u / panel) * panel * channels + w % panel - u % panel] =
                                spill[k];
                        }
                    }
                }
            }
        }
    }
    // The last panel's columns beyond the tiles are read by the product, not used: zeros.
    if (count % panel) {  // (never for panel = count)
        float *last = v + (count / panel) * panel * channels;
        for (int xi = 0; xi < 16; xi++)
            for (ptrdiff_t c = 0; c < channels; c++)
                memset(last + xi * stride + panel * c + count % panel, 0,
                       (size_t)(panel - count % panel) * sizeof(float));
    }
}

// The larger of a and b, or NaN when either is NaN.
static inline __attribute__((always_inline)) float maximum(float a, float b) {
    return b > a || b != b ? b : a;
}

// Aᵀ·M·A of tile t from its 16 products p[ξ·stride + t]: outputs (0, 0), (0, 1), (1, 0), (1, 1).
static inline __attribute__((always_inline)) void tile_outputs(
    const float *restrict p, ptrdiff_t stride, ptrdiff_t t, float y[4]) {
    float s[2][4];  // Aᵀ·M
    for (int j = 0; j < 4; j++) {
        float m0 = p[j * stride + t], m1 = p[(4 + j) * stride + t];
        float m2 = p[(8 + j) * stride + t], m3 = p[(12 + j) * stride + t];
        s[0][j] = m0 + m1 + m2;
        s[1][j] = m1 - m2 - m3;
    }
    y[0] = s[0][0] + s[0][1] + s[0][2];
    y[1] = s[0][1] - s[0][2] - s[0][3];
    y[2] = s[1][0] + s[1][1] + s[1][2];
    y[3] = s[1][1] - s[1][2] - s[1][3];
}

static inline __attribute__((always_inline)) void winograd_output_body(
    const float *restrict m, ptrdiff_t outputs, ptrdiff_t count, const float *restrict bias,
    float *restrict y, ptrdiff_t y_stride) {
    ptrdiff_t stride = outputs * count;  // between M[ξ] and M[ξ + 1]
    for (ptrdiff_t o = 0; o < outputs; o++) {
        const float *p = m + o * count;
        float b = bias ? bias[o] : 0;
        float *out = y + o * y_stride;
        for (ptrdiff_t t = 0; t < count; t++) {
            float y2x2[4];
            tile_outputs(p, stride, t, y2x2);
            float z = maximum(maximum(y2x2[0], y2x2[1]), maximum(y2x2[2], y2x2[3])) + b;
            out[t] = z < 0 ? 0 : z;
        }
    }
}

// As winograd_output_body, also writing each window's argmax: the offset, in the product plane
// [2·tiles_per_row wide], of its first largest element in row-major order, or of its first NaN.
// Written branch-free over the tiles of a row (selects, offsets linear in the column), so that
// it vectorises.
static inline __attribute__((always_inline)) void winograd_output_argmax_body(
    const float *restrict m, ptrdiff_t outputs, ptrdiff_t count, const float *restrict bias,
    float *restrict y, ptrdiff_t y_stride, int32_t *restrict argmax, ptrdiff_t first_tile,
    ptrdiff_t tiles_per_row) {
    ptrdiff_t stride = outputs * count, width = 2 * tiles_per_row;
    ptrdiff_t first_row = first_tile / tiles_per_row, rows = count / tiles_per_row;
    for (ptrdiff_t o = 0; o < outputs; o++) {
        float b = bias ? bias[o] : 0;
        for (ptrdiff_t r = 0; r < rows; r++) {
            const float *p = m + o * count + r * tiles_per_row;
            float *out = y + o * y_stride + r * tiles_per_row;
            int32_t *index = argmax + o * y_stride + r * tiles_per_row;
            int32_t top_left = (int32_t)(2 * (first_row + r) * width);
            for (ptrdiff_t t = 0; t < tiles_per_row; t++) {
                float window[4];
                tile_outputs(p, stride, t, window);
                float best = window[0];
                int32_t at = 0;  // (row·width + column) of the best within the window
                for (int k = 1; k < 4; k++) {
                    int take = (window[k] > best) | ((window[k] != window[k]) & (best == best));
                    best = take ? window[k] : best;
                    at = take ? (int32_t)((k / 2) * width + k % 2) : at;
                }
                index[t] = top_left + 2 * (int32_t)t + at;
                float z = best + b;
                out[t] = z < 0 ? 0 : z;
            }
        }
    }
}

// The whole output: tile (r, t)'s 2×2 outputs plus bias[o] at rows 2·(first_row + r) + 0/1,
// columns 2t + 0/1 of each plane y + o·plane [2·tiles_per_row wide].
static inline __attribute__((always_inline)) void winograd_output_full_body(
    const float *restrict m, ptrdiff_t outputs, ptrdiff_t count, const float *restrict bias,
    float *restrict y, ptrdiff_t plane, ptrdiff_t first_row, ptrdiff_t tiles_per_row) {
    ptrdiff_t stride = outputs * count, width = 2 * tiles_per_row, rows = count / tiles_per_row;
    for (ptrdiff_t o = 0; o < outputs; o++) {
        float b = bias ? bias[o] : 0;
        for (ptrdiff_t r = 0; r < rows; r++) {
            const float *p = m + o * count + r * tiles_per_row;
            float *top = y + o * plane + 2 * (first_row + r) * width, *bottom = top + width;
            for (ptrdiff_t t = 0; t < tiles_per_row; t++) {
                float y2x2[4];
                tile_outputs(p, stride, t, y2x2);
                top[2 * t] = y2x2[0] + b;
                top[2 * t + 1] = y2x2[1] + b;
                bottom[2 * t] = y2x2[2] + b;
                bottom[2 * t + 1] = y2x2[3] + b;
            }
        }
    }
}

// Ĝ[ξ] = (G·g·Gᵀ)[ξ] of each 2×2 tile g of a gradient plane: g·Gᵀ row by row, then G·(g·Gᵀ).
static inline __attribute__((always_inline)) void winograd_gradient_tiles_body(
    const float *restrict y, ptrdiff_t outputs, ptrdiff_t height, ptrdiff_t width,
    ptrdiff_t first_row, ptrdiff_t rows, float *restrict g) {
    ptrdiff_t tiles = width / 2, count = rows * tiles, stride = outputs * count;
    for (ptrdiff_t o = 0; o < outputs; o++) {
        for (ptrdiff_t r = 0; r < rows; r++) {
            const float *top = y + o * height * width + 2 * (first_row + r) * width;
            const float *bottom = top + width;
            float *out = g + o * count + r * tiles;
            for (ptrdiff_t t = 0; t < tiles; t++) {
                float a0 = top[2 * t], a1 = top[2 * t + 1];
                float b0 = bottom[2 * t], b1 = bottom[2 * t + 1];
                float h[2][4] = {
                    {a0, 0.5f * (a0 + a1), 0.5f * (a0 - a1), a1},
                    {b0, 0.5f * (b0 + b1), 0.5f * (b0 - b1), b1}};
                for (int j = 0; j < 4; j++) {
                    out[j * stride + t] = h[0][j];
                    out[(4 + j) * stride + t] = 0.5f * (h[0][j] + h[1][j]);
                    out[(8 + j) * stride + t] = 0.5f * (h[0][j] - h[1][j]);
                    out[(12 + j) * stride + t] = h[1][j];
                }
            }
        }
    }
}

static void winograd_input_baseline(
    const float *x, ptrdiff_t channels, ptrdiff_t height, ptrdiff_t width, ptrdiff_t first_row,
    ptrdiff_t rows, ptrdiff_t panel, float *v, float *scratch) {
    winograd_input_body(x, channels, height, width, first_row, rows, panel, v, scratch);
}
WIDE static void winograd_input_wide(
    const float *x, ptrdiff_t channels, ptrdiff_t height, ptrdiff_t width, ptrdiff_t first_row,
    ptrdiff_t rows, ptrdiff_t panel, float *v, float *scratch) {
    winograd_input_body(x, channels, height, width, first_row, rows, panel, v, scratch);
}
static inline __attribute__((always_inline)) void winograd_output_either_body(
    const float *m, ptrdiff_t outputs, ptrdiff_t count, const float *bias, float *y,
    ptrdiff_t y_stride, int32_t *argmax, ptrdiff_t first_tile, ptrdiff_t tiles_per_row) {
    if (argmax)
        winograd_output_argmax_body(
            m, outputs, count, bias, y, y_stride, argmax, first_tile, tiles_per_row);
    else
        winograd_output_body(m, outputs, count, bias, y, y_stride);
}
static void winograd_output_baseline(
    const float *m, ptrdiff_t outputs, ptrdiff_t count, const float *bias, float *y,
    ptrdiff_t y_stride, int32_t *argmax, ptrdiff_t first_tile, ptrdiff_t tiles_per_row) {
    winograd_output_either_body(
        m, outputs, count, bias, y, y_stride, argmax, first_tile, tiles_per_row);
}
WIDE static void winograd_output_wide(
    const float *m, ptrdiff_t outputs, ptrdiff_t count, const float *bias, float *y,
    ptrdiff_t y_stride, int32_t *argmax, ptrdiff_t first_tile, ptrdiff_t tiles_per_row) {
    winograd_output_either_body(
        m, outputs, count, bias, y, y_stride, argmax, first_tile, tiles_per_row);
}

void glimpse_winograd_input(
    const float *x, ptrdiff_t channels, ptrdiff_t height, ptrdiff_t width, ptrdiff_t first_row,
    ptrdiff_t rows, ptrdiff_t panel, float *v, float *scratch) {
    if (glimpse_has_wide_lanes())
        winograd_input_wide(x, channels, height, width, first_row, rows, panel, v, scratch);
    else
        winograd_input_baseline(x, channels, height, width, first_row, rows, panel, v, scratch);
}

void glimpse_winograd_output_pooled(
    const float *m, ptrdiff_t outputs, ptrdiff_t count, const float *bias, float *y,
    ptrdiff_t y_stride, int32_t *argmax, ptrdiff_t first_tile, ptrdiff_t tiles_per_row) {
    if (glimpse_has_wide_lanes())
        winograd_output_wide(
            m, outputs, count, bias, y, y_stride, argmax, first_tile, tiles_per_row);
    else
        winograd_output_baseline(
            m, outputs, count, bias, y, y_stride, argmax, first_tile, tiles_per_row);
}

static void winograd_output_full_baseline(
    const float *m, ptrdiff_t outputs, ptrdiff_t count, const float *bias, float *y,
    ptrdiff_t plane, ptrdiff_t first_row, ptrdiff_t tiles_per_row) {
    winograd_output_full_body(m, outputs, count, bias, y, plane, first_row, tiles_per_row);
}
WIDE static void winograd_output_full_wide(
    const float *m, ptrdiff_t outputs, ptrdiff_t count, const float *bias, float *y,
    ptrdiff_t plane, ptrdiff_t first_row, ptrdiff_t tiles_per_row) {
    winograd_output_full_body(m, outputs, count, bias, y, plane, first_row, tiles_per_row);
}

void glimpse_winograd_output(
    const float *m, ptrdiff_t outputs, ptrdiff_t count, const float *bias, float *y,
    ptrdiff_t plane, ptrdiff_t first_row, ptrdiff_t tiles_per_row) {
    if (glimpse_has_wide_lanes())
        winograd_output_full_wide(m, outputs, count, bias, y, plane, first_row, tiles_per_row);
    else
        winograd_output_full_baseline(m, outputs, count, bias, y, plane, first_row, tiles_per_row);
}

static void winograd_gradient_tiles_baseline(
    const float *y, ptrdiff_t outputs, ptrdiff_t height, ptrdiff_t width, ptrdiff_t first_row,
    ptrdiff_t rows, float *g) {
    winograd_gradient_tiles_body(y, outputs, height, width, first_row, rows, g);
}
WIDE static void winograd_gradient_tiles_wide(
    const float *y, ptrdiff_t outputs, ptrdiff_t height, ptrdiff_t width, ptrdiff_t first_row,
    ptrdiff_t rows, float *g) {
    winograd_gradient_tiles_body(y, outputs, height, width, first_row, rows, g);
}

void glimpse_winograd_gradient_tiles(
    const float *y, ptrdiff_t outputs, ptrdiff_t height, ptrdiff_t width, ptrdiff_t first_row,
    ptrdiff_t rows, float *g) {
    if (glimpse_has_wide_lanes())
        winograd_gradient_tiles_wide(y, outputs, height, width, first_row, rows, g);
    else
        winograd_gradient_tiles_baseline(y, outputs, height, width, first_row, rows, g);
}

// F(3×3, 2×2)'s input transform is F(2×2, 3×3)'s with Bᵀ's last row negated, so the products
// made from glimpse_winograd_input's V carry the sign (−1)^([i = 3] + [j = 3]) at ξ = 4i + j,
// undone here before Aᵀ = [1 1 1 0; 0 1 −1 0; 0 1 1 1] is applied on both sides. Runs once per
// backward pass: one copy.
void glimpse_winograd_weight_gradient(
    const float *m, ptrdiff_t outputs, ptrdiff_t channels, float *dw) {
    ptrdiff_t plane = outputs * channels;
    for (ptrdiff_t oc = 0; oc < plane; oc++) {
        float q[4][4];
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++)
                q[i][j] = (i == 3) != (j == 3) ? -m[(4 * i + j) * plane + oc]
                                               : m[(4 * i + j) * plane + oc];
        float s[3][4];  // Aᵀ·q
        for (int j = 0; j < 4; j++) {
            s[0][j] = q[0][j] + q[1][j] + q[2][j];
            s[1][j] = q[1][j] - q[2][j];
            s[2][j] = q[1][j] + q[2][j] + q[3][j];
        }
        for (int u = 0; u < 3; u++) {  // (Aᵀ·q)·A
            float *w = dw + 9 * oc + 3 * u;
            w[0] = s[u][0] + s[u][1] + s[u][2];
            w[1] = s[u][1] - s[u][2];
            w[2] = s[u][1] + s[u][2] + s[u][3];
        }
    }
}

// Vectorised kernels for the fused ops of GlimpseTensor: transcendental functions, pooling and
// products against a pre-packed matrix.
//
// Swift compiles for baseline x86-64 (SSE2). These loops are compiled twice, for the baseline
// and with AVX2 and FMA, and the AVX2 copy is chosen at run time when the processor has it:
// twice the lanes and fused multiply–adds for the exponential's polynomial.
//
// The exponential is Cephes' expf: relative error under 1 ulp on [−87, 88], clamped outside.
// σ(x) = 1/(1 + e⁻ˣ), tanh x = 1 − 2/(e²ˣ + 1).
#ifndef GLIMPSE_VECTOR_MATH_H
#define GLIMPSE_VECTOR_MATH_H

#include <stddef.h>
#include <stdint.h>

/// out[i] = tanh(a[i] + b[i]) for i in 0..<count. `out` may alias `a` or `b` exactly.
void glimpse_tanh_of_sum(const float *a, const float *b, float *out, ptrdiff_t count);

/// out[i] = tanh(x[i]). `out` may alias `x` exactly.
void glimpse_tanh(const float *x, float *out, ptrdiff_t count);

/// out[i] = eˣ⁽ⁱ⁾ (relative error about 10⁻⁷; 0 below −87.34 and +∞ above 88.72, as expf;
/// NaN stays NaN).
/// `out` may alias `x` exactly.
void glimpse_exp(const float *x, float *out, ptrdiff_t count);

/// out[i] = σ(x[i]). `out` may alias `x` exactly.
void glimpse_sigmoid(const float *x, float *out, ptrdiff_t count);

/// One LSTM step from pre-activations, gate order i, f, g, o, for `rows` rows of `width` units:
/// gates [rows, 4·gate_stride] (gate q of unit j at q·gate_stride + j; gate_stride ≥ width, so
/// the units can be a block of a wider layer), cell [rows, width] -> hidden, new_cell
/// [rows, width]; when `saved` is not NULL also the activations [i | f | g | o | tanh c′] as
/// [rows, 5·width].
void glimpse_lstm_forward(
    const float *gates, ptrdiff_t gate_stride, const float *cell, float *hidden, float *new_cell,
    float *saved, ptrdiff_t rows, ptrdiff_t width);

/// 2×2 max pooling with stride 2 of one plane x [height, width] -> y [height/2, width/2]
/// (rounded down). A window's maximum is its first largest element in row-major order, or its
/// first NaN (NaN propagates). When `argmax` is not NULL it receives, per output, that element's
/// offset in the plane.
void glimpse_max_pool_2x2(
    const float *x, ptrdiff_t height, ptrdiff_t width, float *y, int32_t *argmax);

/// The number of floats `glimpse_pack` writes for a [k, n] matrix: n rounded up to 16, times k.
ptrdiff_t glimpse_packed_count(ptrdiff_t k, ptrdiff_t n);

/// Packs B [k, n], element (kk, j) at b[kk·row_stride + j·column_stride], for
/// `glimpse_packed_product`: a row-major B has strides (n, 1), a row-major Bᵀ [n, k] (a weight
/// matrix W with B = Wᵀ) has strides (1, k). `packed` holds `glimpse_packed_count(k, n)` floats.
void glimpse_pack(
    const float *b, ptrdiff_t k, ptrdiff_t n, ptrdiff_t row_stride, ptrdiff_t column_stride,
    float *packed);

/// C[m, n] += A[m, k] · B when `accumulate` is non-zero, else C = A · B, with B packed by
/// `glimpse_pack`; A and C row-major with row strides lda and ldc.
void glimpse_packed_product(
    const float *a, ptrdiff_t lda, const float *packed, float *c, ptrdiff_t ldc, ptrdiff_t m,
    ptrdiff_t n, ptrdiff_t k, int accumulate);

/// Winograd F(2×2, 3×3) (winograd.c): the transformed weights U [16, outputs, channels] of 3×3
/// weights w [outputs, channels, 3, 3].
void glimpse_winograd_weights(const float *w, ptrdiff_t outputs, ptrdiff_t channels, float *u);

/// Winograd F(2×2, 3×3): the transformed input V[ξ] [channels, count], ξ in 0 ..< 16, of the
/// count = rows·width/2 4×4 windows of tile rows first_row ..< first_row + rows of one image
/// x [channels, height, width] with one zero of padding on each side (height and width even;
/// tile (r, t) reads rows 2r − 1 ... 2r + 2 and columns 2t − 1 ... 2t + 2). The tiles of each
/// V[ξ] are stored in panels of `panel` tiles, tile u of channel c at
/// (u / panel)·panel·channels + panel·c + u % panel, and V[ξ] at
/// v + ξ·⌈count / panel⌉·panel·channels: panel = 16 is `glimpse_pack`'s layout (the last
/// panel's tail zeroed), panel = count a row-major [channels, count]. `scratch` holds
/// (2·rows + 2)·(width + 18) floats.
void glimpse_winograd_input(
    const float *x, ptrdiff_t channels, ptrdiff_t height, ptrdiff_t width, ptrdiff_t first_row,
    ptrdiff_t rows, ptrdiff_t panel, float *v, float *scratch);

/// Winograd F(3×3, 2×2), the weight gradient of a 3×3 "same" convolution: Ĝ[ξ] [outputs, count]
/// = (G·g·Gᵀ)[ξ], G = [1 0; ½ ½; ½ −½; 0 1], of the count = rows·width/2 2×2 tiles g of tile rows
/// first_row ..< first_row + rows of the output gradient y [outputs, height, width], at
/// g + ξ·outputs·count.
void glimpse_winograd_gradient_tiles(
    const float *y, ptrdiff_t outputs, ptrdiff_t height, ptrdiff_t width, ptrdiff_t first_row,
    ptrdiff_t rows, float *g);

/// Winograd F(3×3, 2×2): dw [outputs, channels, 3, 3] from M[ξ] = Σ over tiles of
/// Ĝ[ξ]·V[ξ]ᵀ [outputs, channels] (M [16, outputs, channels]), with V from
/// `glimpse_winograd_input` of the convolution's input.
void glimpse_winograd_weight_gradient(
    const float *m, ptrdiff_t outputs, ptrdiff_t channels, float *dw);

/// Winograd F(2×2, 3×3): from the products M [16, outputs, count] of `count` tiles, whole rows of
/// tiles_per_row tiles from tile row first_row on, writes each tile's 2×2 outputs plus bias[o]
/// (bias may be NULL) into the planes y + o·plane [rows, 2·tiles_per_row] (at rows
/// 2·(first_row + r) and 2·(first_row + r) + 1).
void glimpse_winograd_output(
    const float *m, ptrdiff_t outputs, ptrdiff_t count, const float *bias, float *y,
    ptrdiff_t plane, ptrdiff_t first_row, ptrdiff_t tiles_per_row);

/// Winograd F(2×2, 3×3) with the 2×2 max pool that follows it: from the products
/// M [16, outputs, count], y[o·y_stride + t] = max(0, bias[o] + the largest of tile t's four
/// outputs) (bias may be NULL; NaN propagates). When `argmax` is not NULL, argmax[o·y_stride + t]
/// receives the offset of that output (its window's first largest in row-major order, or first
/// NaN) in the output plane [2·rows, 2·tiles_per_row], for band tile t, plane tile first_tile + t.
void glimpse_winograd_output_pooled(
    const float *m, ptrdiff_t outputs, ptrdiff_t count, const float *bias, float *y,
    ptrdiff_t y_stride, int32_t *argmax, ptrdiff_t first_tile, ptrdiff_t tiles_per_row);

/// The compiled copies of the kernels, by the instructions they use: baseline x86-64 (SSE2),
/// AVX2 with FMA (8 lanes), and AVX-512 (16 lanes; the packed product only, the other kernels
/// run their AVX2 copy there).
#define GLIMPSE_LANES_BASELINE 0
#define GLIMPSE_LANES_WIDE 1
#define GLIMPSE_LANES_WIDEST 2

/// The widest copy this processor can run (a GLIMPSE_LANES_* level).
int glimpse_lanes_available(void);

/// Allows the copies up to `level` for the whole process (GLIMPSE_LANES_WIDEST, the default,
/// allows every copy the processor has). With GLIMPSE_LANES_BASELINE, results are the same on
/// every x86-64 processor; the packed product gives the same results with AVX2 and AVX-512.
/// Tests use it to check every copy.
void glimpse_allow_lanes(int level);

#endif

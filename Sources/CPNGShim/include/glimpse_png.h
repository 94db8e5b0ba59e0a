// A status-returning wrapper around libpng's classic API.
//
// libpng reports errors by longjmp. Every function here establishes its own setjmp point,
// so no longjmp ever crosses a Swift frame: errors come back as a non-zero status and a
// message in `error` (always NUL-terminated).
#ifndef GLIMPSE_PNG_H
#define GLIMPSE_PNG_H

#include <stddef.h>
#include <stdint.h>

#define GLIMPSE_PNG_ERROR_LENGTH 256

/// What the PNG header says, before any pixels are decoded.
typedef struct {
    uint32_t width;
    uint32_t height;
    int bit_depth;     // 1, 2, 4, 8 or 16
    int color_type;    // PNG_COLOR_TYPE_*
    int interlaced;    // 1 for Adam7
    int has_alpha;     // an alpha channel or a tRNS chunk
    int channels;      // samples per pixel as stored (png_get_channels): palette and gray 1,
                       // gray+alpha 2, rgb 3, rgba 4
    int has_trns;      // a tRNS chunk (transparency without an alpha channel)
    uint32_t icc_profile_length;  // bytes of the iCCP chunk's (decompressed) profile, 0 if none
} glimpse_png_info;

typedef struct glimpse_png_decoder glimpse_png_decoder;

/// Parses the header of the PNG in `data`; `data` must outlive the decoder.
/// Returns NULL with a message in `error` when the data is not a readable PNG.
glimpse_png_decoder *glimpse_png_open(const uint8_t *data, size_t size, glimpse_png_info *info,
                                      char error[GLIMPSE_PNG_ERROR_LENGTH]);

/// Decodes all pixels as 8-bit RGB (channels = 3) or RGBA (channels = 4) into `out`, which
/// holds width * height * channels bytes. Palette, gray, tRNS and low bit depths are expanded;
/// 16-bit samples are reduced by rounding (v * 255 / 65535); gAMA and iCCP are ignored.
/// Returns 0 on success.
int glimpse_png_decode(glimpse_png_decoder *decoder, int channels, uint8_t *out, size_t out_size,
                       char error[GLIMPSE_PNG_ERROR_LENGTH]);

void glimpse_png_close(glimpse_png_decoder *decoder);

/// The name of a PNG colour type (PNG_COLOR_TYPE_*): "gray", "gray+alpha", "rgb", "rgba",
/// "palette", or "unknown". A static string.
const char *glimpse_png_color_type_name(int color_type);

/// Encodes 8-bit RGB or RGBA pixels as PNG with zlib `level` (0-9).
/// On success returns 0 and a malloc'ed buffer in `*out` that the caller frees with free().
int glimpse_png_encode(const uint8_t *pixels, uint32_t width, uint32_t height, int channels,
                       int level, uint8_t **out, size_t *out_size,
                       char error[GLIMPSE_PNG_ERROR_LENGTH]);

#endif

// libpng behind status codes: each entry point owns its setjmp, see glimpse_png.h.
#include "glimpse_png.h"

#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct glimpse_png_decoder {
    png_structp png;
    png_infop info;
    const uint8_t *data;
    size_t size;
    size_t offset;
    char message[GLIMPSE_PNG_ERROR_LENGTH];
};

static void on_error(png_structp png, png_const_charp message) {
    char *buffer = (char *)png_get_error_ptr(png);
    if (buffer != NULL) {
        snprintf(buffer, GLIMPSE_PNG_ERROR_LENGTH, "%s", message);
    }
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;  // Warnings (e.g. a known-incorrect sRGB profile) are not failures; damage is
                    // an error (benign errors off, CRC errors quit).
}

static void read_from_memory(png_structp png, png_bytep out, png_size_t length) {
    glimpse_png_decoder *decoder = (glimpse_png_decoder *)png_get_io_ptr(png);
    if (length > decoder->size - decoder->offset) {
        png_error(png, "file is truncated");
    }
    memcpy(out, decoder->data + decoder->offset, length);
    decoder->offset += length;
}

static void copy_message(char *error, const char *message) {
    snprintf(error, GLIMPSE_PNG_ERROR_LENGTH, "%s", message);
}

glimpse_png_decoder *glimpse_png_open(const uint8_t *data, size_t size, glimpse_png_info *info,
                                      char error[GLIMPSE_PNG_ERROR_LENGTH]) {
    if (size < 8 || png_sig_cmp(data, 0, 8) != 0) {
        copy_message(error, "not a PNG signature");
        return NULL;
    }
    glimpse_png_decoder *decoder = calloc(1, sizeof(glimpse_png_decoder));
    if (decoder == NULL) {
        copy_message(error, "out of memory");
        return NULL;
    }
    decoder->data = data;
    decoder->size = size;
    decoder->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, decoder->message, on_error,
                                          on_warning);
    if (decoder->png == NULL) {
        free(decoder);
        copy_message(error, "cannot create libpng reader");
        return NULL;
    }
    decoder->info = png_create_info_struct(decoder->png);
    if (decoder->info == NULL || setjmp(png_jmpbuf(decoder->png))) {
        copy_message(error, decoder->message[0] ? decoder->message : "cannot read PNG header");
        glimpse_png_close(decoder);
        return NULL;
    }
    // Dimensions are checked by the caller against its pixel budget; these limits only stop
    // libpng itself from allocating for absurd headers or ancillary chunks.
    png_set_user_limits(decoder->png, 1u << 20, 1u << 20);
    png_set_chunk_cache_max(decoder->png, 1000);
    png_set_chunk_malloc_max(decoder->png, 64u << 20);
    // Malformed ancillary chunks (wrong lengths, chunks out of order) fail the decode, as they
    // do in the ffmpeg CLI: a file this damaged is not trusted for its pixels either.
    png_set_benign_errors(decoder->png, 0);
    // A CRC mismatch fails the decode for ancillary chunks too (libpng's default would warn and
    // drop the chunk): the bytes are damaged, and which chunk they belonged to is not known.
    png_set_crc_action(decoder->png, PNG_CRC_ERROR_QUIT, PNG_CRC_ERROR_QUIT);
    png_set_read_fn(decoder->png, decoder, read_from_memory);
    png_read_info(decoder->png, decoder->info);

    int color_type = png_get_color_type(decoder->png, decoder->info);
    info->width = png_get_image_width(decoder->png, decoder->info);
    info->height = png_get_image_height(decoder->png, decoder->info);
    info->bit_depth = png_get_bit_depth(decoder->png, decoder->info);
    info->color_type = color_type;
    info->interlaced = png_get_interlace_type(decoder->png, decoder->info) != PNG_INTERLACE_NONE;
    info->has_trns = png_get_valid(decoder->png, decoder->info, PNG_INFO_tRNS) != 0;
    info->has_alpha = (color_type & PNG_COLOR_MASK_ALPHA) != 0 || info->has_trns;
    info->channels = png_get_channels(decoder->png, decoder->info);
    // iCCP precedes IDAT, so png_read_info has read (and libpng has checked) it by now.
    png_charp icc_name = NULL;
    int icc_compression = 0;
    png_bytep icc_profile = NULL;
    png_uint_32 icc_length = 0;
    info->icc_profile_length =
        png_get_iCCP(decoder->png, decoder->info, &icc_name, &icc_compression, &icc_profile,
                     &icc_length) == PNG_INFO_iCCP
            ? icc_length
            : 0;
    return decoder;
}

int glimpse_png_decode(glimpse_png_decoder *decoder, int channels, uint8_t *out, size_t out_size,
                       char error[GLIMPSE_PNG_ERROR_LENGTH]) {
    png_structp png = decoder->png;
    png_infop info = decoder->info;
    uint32_t width = png_get_image_width(png, info);
    uint32_t height = png_get_image_height(png, info);
    if (channels != 3 && channels != 4) {
        copy_message(error, "channels must be 3 or 4");
        return 1;
    }
    if ((size_t)width * height * (size_t)channels > out_size) {
        copy_message(error, "output buffer too small");
        return 1;
    }
    png_bytep *rows = malloc(sizeof(png_bytep) * (height == 0 ? 1 : height));
    if (rows == NULL) {
        copy_message(error, "out of memory");
        return 1;
    }
    if (setjmp(png_jmpbuf(png))) {
        free(rows);
        copy_message(error, decoder->message[0] ? decoder->message : "cannot decode PNG");
        return 1;
    }
    int color_type = png_get_color_type(png, info);
    int bit_depth = png_get_bit_depth(png, info);
    if (color_type == PNG_COLOR_TYPE_PALETTE) {
        png_set_palette_to_rgb(png);
    }
    if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) {
        png_set_expand_gray_1_2_4_to_8(png);
    }
    int has_tRNS = png_get_valid(png, info, PNG_INFO_tRNS) != 0;
    if (has_tRNS) {
        png_set_tRNS_to_alpha(png);
    }
    if (bit_depth == 16) {
        png_set_scale_16(png);  // rounds v * 255 / 65535, unlike png_set_strip_16's truncation
    }
    if (color_type == PNG_COLOR_TYPE_GRAY || color_type == PNG_COLOR_TYPE_GRAY_ALPHA) {
        png_set_gray_to_rgb(png);
    }
    int has_alpha_channel = (color_type & PNG_COLOR_MASK_ALPHA) != 0 || has_tRNS;
    if (channels == 3 && has_alpha_channel) {
        png_set_strip_alpha(png);
    } else if (channels == 4 && !has_alpha_channel) {
        png_set_add_alpha(png, 0xff, PNG_FILLER_AFTER);
    }
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    if (png_get_rowbytes(png, info) != (size_t)width * channels) {
        free(rows);
        copy_message(error, "unexpected row size after conversion");
        return 1;
    }
    for (uint32_t y = 0; y < height; y++) {
        rows[y] = out + (size_t)y * width * channels;
    }
    png_read_image(png, rows);
    // With the info struct, png_read_end parses and validates every chunk after the image
    // data (with NULL it only skips them): unknown critical chunks, malformed or misplaced
    // ancillary chunks and bad CRCs fail here as they do before IDAT.
    png_read_end(png, info);
    free(rows);
    return 0;
}

void glimpse_png_close(glimpse_png_decoder *decoder) {
    if (decoder == NULL) {
        return;
    }
    png_destroy_read_struct(&decoder->png, decoder->info ? &decoder->info : NULL, NULL);
    free(decoder);
}

const char *glimpse_png_color_type_name(int color_type) {
    switch (color_type) {
    case PNG_COLOR_TYPE_GRAY: return "gray";
    case PNG_COLOR_TYPE_GRAY_ALPHA: return "gray+alpha";
    case PNG_COLOR_TYPE_RGB: return "rgb";
    case PNG_COLOR_TYPE_RGB_ALPHA: return "rgba";
    case PNG_COLOR_TYPE_PALETTE: return "palette";
    default: return "unknown";
    }
}

typedef struct {
    uint8_t *bytes;
    size_t size;
    size_t capacity;
} memory_sink;

static void write_to_memory(png_structp png, png_bytep data, png_size_t length) {
    memory_sink *sink = (memory_sink *)png_get_io_ptr(png);
    if (sink->size + length > sink->capacity) {
        size_t capacity = sink->capacity * 2 + length;
        uint8_t *bytes = realloc(sink->bytes, capacity);
        if (bytes == NULL) {
            png_error(png, "out of memory");
        }
        sink->bytes = bytes;
        sink->capacity = capacity;
    }
    memcpy(sink->bytes + sink->size, data, length);
    sink->size += length;
}

static void flush_memory(png_structp png) { (void)png; }

int glimpse_png_encode(const uint8_t *pixels, uint32_t width, uint32_t height, int channels,
                       int level, uint8_t **out, size_t *out_size,
                       char error[GLIMPSE_PNG_ERROR_LENGTH]) {
    if (channels != 3 && channels != 4) {
        copy_message(error, "channels must be 3 or 4");
        return 1;
    }
    char message[GLIMPSE_PNG_ERROR_LENGTH] = {0};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, message, on_error,
                                              on_warning);
    if (png == NULL) {
        copy_message(error, "cannot create libpng writer");
        return 1;
    }
    png_infop info = png_create_info_struct(png);
    // volatile: modified between setjmp and a possible longjmp.
    memory_sink *volatile sink = calloc(1, sizeof(memory_sink));
    png_bytep *volatile rows = malloc(sizeof(png_bytep) * (height == 0 ? 1 : height));
    if (info == NULL || sink == NULL || rows == NULL || setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, info ? &info : NULL);
        if (sink != NULL) {
            free(sink->bytes);
        }
        free(sink);
        free(rows);
        copy_message(error, message[0] ? message : "cannot encode PNG");
        return 1;
    }
    png_set_write_fn(png, sink, write_to_memory, flush_memory);
    png_set_compression_level(png, level);
    png_set_IHDR(png, info, width, height, 8,
                 channels == 4 ? PNG_COLOR_TYPE_RGB_ALPHA : PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (uint32_t y = 0; y < height; y++) {
        rows[y] = (png_bytep)(pixels + (size_t)y * width * channels);
    }
    png_write_image(png, rows);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(rows);
    *out = sink->bytes;
    *out_size = sink->size;
    free(sink);
    return 0;
}

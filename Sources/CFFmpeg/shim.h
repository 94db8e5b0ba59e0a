// FFmpeg headers plus the macros Swift cannot see, as static inline functions.
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libavutil/avutil.h>
#include <libavutil/display.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libswscale/swscale.h>
#include <errno.h>

static inline int glimpse_averror_eagain(void) { return AVERROR(EAGAIN); }
static inline int glimpse_averror_eof(void) { return AVERROR_EOF; }
static inline int glimpse_averror_enomem(void) { return AVERROR(ENOMEM); }
static inline int64_t glimpse_av_nopts_value(void) { return AV_NOPTS_VALUE; }
static inline int glimpse_av_time_base(void) { return AV_TIME_BASE; }
static inline void glimpse_av_log_quiet(void) { av_log_set_level(AV_LOG_QUIET); }

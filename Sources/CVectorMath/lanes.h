// Shared by the kernel files of CVectorMath: which compiled copy runs.
#ifndef GLIMPSE_LANES_H
#define GLIMPSE_LANES_H

#include "glimpse_vector_math.h"

/// Which copies run: the widest level (GLIMPSE_LANES_*) the processor has and is allowed.
int glimpse_lanes(void);

/// Whether the AVX2+FMA copies (or wider) run.
static inline int glimpse_has_wide_lanes(void) { return glimpse_lanes() >= GLIMPSE_LANES_WIDE; }

/// Marks a function compiled for AVX2 and FMA.
#define WIDE __attribute__((target("avx2,fma")))

/// Marks a function compiled for AVX-512 (foundation), AVX2 and FMA.
#define WIDEST __attribute__((target("avx512f,avx2,fma")))

#endif

// Shared by the kernel files of CVectorMath: which compiled copy runs.
#ifndef GLIMPSE_LANES_H
#define GLIMPSE_LANES_H

/// Whether the AVX2+FMA copies run: the processor has them and they are allowed.
int glimpse_has_wide_lanes(void);

/// Marks a function compiled for AVX2 and FMA.
#define WIDE __attribute__((target("avx2,fma")))

#endif

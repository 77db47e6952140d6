// FARM_HD marks code shared by the CPU backend and the CUDA kernels (pbrt's
// PBRT_CPU_GPU): under nvcc it is __host__ __device__, for the host compiler it is
// nothing.
#pragma once

#if defined(__CUDACC__)
#define FARM_HD __host__ __device__
#define FARM_INLINE __forceinline__
#else
#define FARM_HD
#define FARM_INLINE inline
#endif

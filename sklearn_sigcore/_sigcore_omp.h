/* OpenMP when the build has it; a serial stand-in otherwise. */
#ifndef SIGCORE_OMP_H
#define SIGCORE_OMP_H
#ifdef _OPENMP
#include <omp.h>
#define SC_HAVE_OPENMP 1
#else
#define SC_HAVE_OPENMP 0
static inline int omp_get_max_threads(void) { return 1; }
#endif
#endif

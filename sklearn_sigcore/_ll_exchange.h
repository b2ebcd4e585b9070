/*
 * Two threads that add up one number each, many times in a row: the
 * L1 solver's coordinate descent split over two halves of the rows
 * (_liblinear_l1.pyx).  Each coordinate step needs the sum of both halves'
 * partial sums before either thread can go on, so the threads trade them
 * through a cache line each, spinning: an OpenMP barrier costs several
 * times more.  A thread that waits long (the other is descheduled) yields its
 * core instead of burning it, and both learn how often that happened, to
 * give up the split together when the cores are taken.
 *
 * Needs OpenMP and GCC-style atomics; elsewhere ll_exchange_available() is
 * 0 and the solver stays on one thread.
 */
#ifndef SIGCORE_LL_EXCHANGE_H
#define SIGCORE_LL_EXCHANGE_H

#include "_sigcore_omp.h"

#if SC_HAVE_OPENMP && defined(__GNUC__) && (defined(__unix__) || defined(__APPLE__))
#define LL_EXCHANGE 1
#include <sched.h>
#else
#define LL_EXCHANGE 0
#endif

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define LL_PAUSE() _mm_pause()
#elif defined(__aarch64__) && defined(__GNUC__)
#define LL_PAUSE() __asm__ __volatile__("yield")
#else
#define LL_PAUSE() ((void)0)
#endif

/* spins before a waiting thread starts to yield its core (and counts the
 * step as slow): the other thread, if running, arrives within a few (~0.3
 * us on the 2-core VMs; 1024 pauses are ~2-60 us, by CPU) */
#define LL_SPINS 1024

/* bytes a slot owns: Apple M cores move 128-byte lines, and Intel's
 * adjacent-line prefetcher pairs 64-byte ones, so a neighbour closer than
 * 128 bytes would be shared between the threads */
#define LL_LINE 128

/* one thread's partial sum of one step and its count of slow steps before
 * it, on a line of its own */
typedef struct {
    double value;
    long step;
    long slow;
    char pad[LL_LINE - sizeof(double) - 2 * sizeof(long)];
} ll_slot;

/* slot[step parity][thread]: a thread writes step s + 2 only once the other
 * has written s + 1, which it does only after it has read step s;
 * slow[thread].slow counts the steps at which that thread had to yield */
typedef struct {
    ll_slot slot[2][2];
    ll_slot slow[2];
} ll_exchange;

static inline int ll_exchange_available(void) { return LL_EXCHANGE; }

static inline int ll_thread_num(void)
{
#if SC_HAVE_OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

static inline int ll_num_threads(void)
{
#if SC_HAVE_OPENMP
    return omp_get_num_threads();
#else
    return 1;
#endif
}

/* every slot empty: before the two threads start counting steps from 0 */
static inline void ll_exchange_reset(ll_exchange *x)
{
    int p, t;
    for (p = 0; p < 2; p++)
        for (t = 0; t < 2; t++) {
            x->slot[p][t].value = 0.0;
            x->slot[p][t].step = -1;
            x->slot[p][t].slow = 0;
        }
    x->slow[0].slow = x->slow[1].slow = 0;
}

/* thread `me` (0 or 1) hands over `mine` for `step` (0, 1, 2 ...) and
 * returns both threads' sum, added in thread order: the same bits on both
 * threads; `slow`: the steps before this one at which either thread had to
 * yield, the same number on both */
static inline double ll_exchange_sum(ll_exchange *x, int me, long step, double mine,
                                     long *slow)
{
#if LL_EXCHANGE
    ll_slot *own = &x->slot[step & 1][me];
    ll_slot *other = &x->slot[step & 1][1 - me];
    long spins = 0;
    own->value = mine;
    own->slow = x->slow[me].slow;
    __atomic_store_n(&own->step, step, __ATOMIC_RELEASE);
    while (__atomic_load_n(&other->step, __ATOMIC_ACQUIRE) != step) {
        if (++spins < LL_SPINS) {
            LL_PAUSE();
        } else {
            x->slow[me].slow += spins == LL_SPINS;
            sched_yield();
        }
    }
    *slow = own->slow + other->slow;
    return me == 0 ? mine + other->value : other->value + mine;
#else
    (void)x; (void)me; (void)step;
    *slow = 0;
    return mine;
#endif
}

#endif /* SIGCORE_LL_EXCHANGE_H */

#include "gizmolua.h"

#include <pthread.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

/* The gate of long turns: at most one per core runs at once.
 *
 * A turn that has run GZ_LONG_TURN_NS asks the gate for a slot (from the
 * count hook, host.c) and, when every slot is taken, sleeps until one
 * frees or its deadline comes, whichever is first. Short turns never ask.
 * So however many scripts spin at once, they keep at most every core
 * busy, and a new session's turns (and every short turn of every other
 * session) share the CPU with that many threads, not with hundreds. The
 * deadline stays wall time, as it always was: a turn that waits here for
 * its whole limit is stopped by it like one that ran. */

static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_freed;
static pthread_once_t gate_once = PTHREAD_ONCE_INIT;
static int gate_slots = 1;
static int gate_used = 0;
static int gate_peak = 0;
static unsigned long gate_waits = 0;

static void gate_init(void) {
    pthread_condattr_t attributes;
    pthread_condattr_init(&attributes);
    pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC);
    pthread_cond_init(&gate_freed, &attributes);
    pthread_condattr_destroy(&attributes);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    gate_slots = cores < 1 ? 1 : (int)cores;
}

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int gz_turn_gate_enter(uint64_t deadline_ns) {
    pthread_once(&gate_once, gate_init);
    pthread_mutex_lock(&gate_lock);
    int waited = 0;
    while (gate_used >= gate_slots && now_ns() < deadline_ns) {
        waited = 1;
        struct timespec until = {(time_t)(deadline_ns / 1000000000u), (long)(deadline_ns % 1000000000u)};
        pthread_cond_timedwait(&gate_freed, &gate_lock, &until);
    }
    if (waited) gate_waits++;
    int entered = gate_used < gate_slots;
    if (entered) {
        gate_used++;
        if (gate_used > gate_peak) gate_peak = gate_used;
    }
    pthread_mutex_unlock(&gate_lock);
    return entered;
}

void gz_turn_gate_leave(void) {
    pthread_mutex_lock(&gate_lock);
    gate_used--;
    pthread_cond_signal(&gate_freed);
    pthread_mutex_unlock(&gate_lock);
}

gz_turn_gate_figures gz_turn_gate_read(int reset) {
    pthread_once(&gate_once, gate_init);
    pthread_mutex_lock(&gate_lock);
    gz_turn_gate_figures figures = {gate_slots, gate_used, gate_peak, gate_waits};
    if (reset) {
        gate_peak = gate_used;
        gate_waits = 0;
    }
    pthread_mutex_unlock(&gate_lock);
    return figures;
}

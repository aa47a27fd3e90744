/*
 * The hardware floor for the COBA benchmark (Brette et al. 2007, benchmark 1): the same network as
 * configs/circuit/coba.yaml written as a plain single-threaded C loop, no framework, no monitors.
 *
 *   C dv/dt = gL (EL - v) + ge (Ee - v) + gi (Ei - v) + I      (not integrated while refractory)
 *   dge/dt = -ge / taue,  dgi/dt = -gi / taui                   (a spike adds we / wi to the target)
 *   v > Vt: spike, v <- Vr, refractory for t_ref
 *
 * Forward Euler with dt = 0.1 ms, every variable updated from the values at the start of the step (as
 * Brian2's "euler"); then threshold and reset; then the spikes of this step are delivered (no delay: they
 * act from the next step, as in Brian2 with delay 0). Connectivity: each ordered pair (pre, post) with
 * pre != post is connected with probability p, drawn from a fixed-seed xoshiro256+ generator, stored as
 * CSR (row = presynaptic neuron). Only the simulation loop is timed. The update loop is written branch-free so
 * that gcc vectorises it (with -ffast-math, the flag Brian2 compiles its own code with: ~25% faster here).
 *
 * Units: ms, mV, nS, pF, pA (nS*mV = pA, pA/pF = mV/ms).
 * Usage: coba_floor [duration_s=10] [seed=1]
 * Prints one JSON line: loop_s (wall), loop_cpu_s, rates, synapse count.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define NE 3200
#define NI 800
#define N (NE + NI)

static const double dt = 0.1;       /* ms */
static const double C = 200.0;      /* pF */
static const double gL = 10.0;      /* nS */
static const double EL = -60.0;     /* mV */
static const double Vt = -50.0;     /* mV */
static const double Vr = -60.0;     /* mV */
static const double Ee = 0.0;       /* mV */
static const double Ei = -80.0;     /* mV */
static const double taue = 5.0;     /* ms */
static const double taui = 10.0;    /* ms */
static const double we = 6.0;       /* nS */
static const double wi = 67.0;      /* nS */
static const double I = 200.0;      /* pA */
static const double t_ref = 5.0;    /* ms */
static const double p = 0.02;

static uint64_t s[4];

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t next_u64(void) {
    uint64_t result = s[0] + s[3], t = s[1] << 17;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t; s[3] = rotl(s[3], 45);
    return result;
}

static double uniform(void) { return (next_u64() >> 11) * 0x1.0p-53; }

static void seed_rng(uint64_t seed) {
    for (int k = 0; k < 4; k++) { /* splitmix64 */
        uint64_t z = (seed += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        s[k] = z ^ (z >> 31);
    }
}

static double now(clockid_t clock) {
    struct timespec ts;
    clock_gettime(clock, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

int main(int argc, char **argv) {
    double duration_s = argc > 1 ? atof(argv[1]) : 10.0;
    uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 10) : 1;
    long steps = (long)(duration_s * 1000.0 / dt + 0.5);
    double ref_steps = (double)(int)(t_ref / dt + 0.5);
    seed_rng(seed);

    /* CSR connectivity */
    size_t cap = (size_t)(1.2 * p * N * N) + 1024, nsyn = 0;
    int32_t *target = malloc(cap * sizeof *target);
    int32_t *row = malloc((N + 1) * sizeof *row);
    for (int i = 0; i < N; i++) {
        row[i] = (int32_t)nsyn;
        for (int j = 0; j < N; j++) {
            if (j == i || uniform() >= p) continue;
            if (nsyn == cap) { cap *= 2; target = realloc(target, cap * sizeof *target); }
            target[nsyn++] = j;
        }
    }
    row[N] = (int32_t)nsyn;

    static double v[N], ge[N], gi[N];
    static double ref[N];      /* steps of refractoriness left (double: one vector type in the update) */
    static int32_t spikes[N];
    for (int i = 0; i < N; i++) { v[i] = Vr + uniform() * (Vt - Vr); ge[i] = gi[i] = 0.0; ref[i] = 0.0; }

    long count_e = 0, count_i = 0;
    const double de = 1.0 - dt / taue, di = 1.0 - dt / taui, k = dt / C;
    double t0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
    for (long n = 0; n < steps; n++) {
        int nspk = 0;
        /* update: branch-free, so that the compiler vectorises it */
        for (int i = 0; i < N; i++) {
            double vi = v[i], gei = ge[i], gii = gi[i], r = ref[i];
            double dv = k * (gL * (EL - vi) + gei * (Ee - vi) + gii * (Ei - vi) + I);
            v[i] = r > 0.0 ? vi : vi + dv;
            ref[i] = r > 0.0 ? r - 1.0 : 0.0;
            ge[i] = gei * de;
            gi[i] = gii * di;
        }
        /* threshold and reset */
        for (int i = 0; i < N; i++)
            if (v[i] > Vt && ref[i] == 0.0) { v[i] = Vr; ref[i] = ref_steps; spikes[nspk++] = i; }
        /* delivery: no delay, the spikes of this step act from the next step */
        for (int s_ = 0; s_ < nspk; s_++) {
            int i = spikes[s_];
            if (i < NE) { count_e++; for (int32_t q = row[i]; q < row[i + 1]; q++) ge[target[q]] += we; }
            else        { count_i++; for (int32_t q = row[i]; q < row[i + 1]; q++) gi[target[q]] += wi; }
        }
    }
    double loop = now(CLOCK_MONOTONIC) - t0, cpu = now(CLOCK_PROCESS_CPUTIME_ID) - c0;
    printf("{\"loop_s\": %.6f, \"loop_cpu_s\": %.6f, \"duration_s\": %g, \"steps\": %ld, \"synapses\": %zu, "
           "\"rate_exc_hz\": %.4f, \"rate_inh_hz\": %.4f}\n",
           loop, cpu, duration_s, steps, nsyn, count_e / (double)NE / duration_s, count_i / (double)NI / duration_s);
    free(target); free(row);
    return 0;
}

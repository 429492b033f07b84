/*
 * WebAssembly SIMD (f64x2) kernels for the dense layers of torquepilot's MLPs.
 *
 * Everything is float64, like the plain-TS kernels in src/nn/mlpKernels.ts, so both paths give the
 * same numbers up to summation order (about 1e-15 relative), and the Fisher matrix stays symmetric
 * to 1e-9 (test/learn/fisher.test.ts). Matrices are row-major; batches are (n, features).
 * No libc: tanh is computed here from an expm1 Taylor polynomial after Cody–Waite range
 * reduction (accurate to a few ulp, checked against Math.tanh in test/nn).
 *
 * Build: scripts/build-kernels.sh (clang --target=wasm32 -msimd128 -O3, wasm-ld, no libc).
 */
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))

typedef double f64;

/*
 * y(n, M) = x(n, K) · wt(K, M) + b(M), or y += x · wt when b == 0.
 * wt is the TRANSPOSED weight matrix, so each inner step is a broadcast of x[r, i] times a
 * contiguous row of wt: 4 rows × 4 outputs are kept in 8 f64x2 registers (each wt load is used
 * four times, each x load four times).
 */
EXPORT(matmul_acc)
void matmul_acc(const f64 *x, const f64 *wt, const f64 *b, f64 *y, int n, int K, int M) {
  int r = 0;
  for (; r + 3 < n; r += 4) {
    const f64 *x0 = x + r * K, *x1 = x0 + K, *x2 = x1 + K, *x3 = x2 + K;
    f64 *y0 = y + r * M, *y1 = y0 + M, *y2 = y1 + M, *y3 = y2 + M;
    int o = 0;
    for (; o + 3 < M; o += 4) {
      v128_t a0, a1, b0, b1, c0, c1, d0, d1;
      if (b) {
        a0 = b0 = c0 = d0 = wasm_v128_load(b + o);
        a1 = b1 = c1 = d1 = wasm_v128_load(b + o + 2);
      } else {
        a0 = wasm_v128_load(y0 + o); a1 = wasm_v128_load(y0 + o + 2);
        b0 = wasm_v128_load(y1 + o); b1 = wasm_v128_load(y1 + o + 2);
        c0 = wasm_v128_load(y2 + o); c1 = wasm_v128_load(y2 + o + 2);
        d0 = wasm_v128_load(y3 + o); d1 = wasm_v128_load(y3 + o + 2);
      }
      const f64 *w = wt + o;
      for (int i = 0; i < K; i++, w += M) {
        v128_t w0 = wasm_v128_load(w), w1 = wasm_v128_load(w + 2);
        v128_t s0 = wasm_f64x2_splat(x0[i]), s1 = wasm_f64x2_splat(x1[i]);
        v128_t s2 = wasm_f64x2_splat(x2[i]), s3 = wasm_f64x2_splat(x3[i]);
        a0 = wasm_f64x2_add(a0, wasm_f64x2_mul(s0, w0));
        a1 = wasm_f64x2_add(a1, wasm_f64x2_mul(s0, w1));
        b0 = wasm_f64x2_add(b0, wasm_f64x2_mul(s1, w0));
        b1 = wasm_f64x2_add(b1, wasm_f64x2_mul(s1, w1));
        c0 = wasm_f64x2_add(c0, wasm_f64x2_mul(s2, w0));
        c1 = wasm_f64x2_add(c1, wasm_f64x2_mul(s2, w1));
        d0 = wasm_f64x2_add(d0, wasm_f64x2_mul(s3, w0));
        d1 = wasm_f64x2_add(d1, wasm_f64x2_mul(s3, w1));
      }
      wasm_v128_store(y0 + o, a0); wasm_v128_store(y0 + o + 2, a1);
      wasm_v128_store(y1 + o, b0); wasm_v128_store(y1 + o + 2, b1);
      wasm_v128_store(y2 + o, c0); wasm_v128_store(y2 + o + 2, c1);
      wasm_v128_store(y3 + o, d0); wasm_v128_store(y3 + o + 2, d1);
    }
    for (; o < M; o++) { /* remainder columns (M not a multiple of 4) */
      f64 z0 = b ? b[o] : y0[o], z1 = b ? b[o] : y1[o], z2 = b ? b[o] : y2[o], z3 = b ? b[o] : y3[o];
      for (int i = 0; i < K; i++) {
        f64 wi = wt[i * M + o];
        z0 += x0[i] * wi; z1 += x1[i] * wi; z2 += x2[i] * wi; z3 += x3[i] * wi;
      }
      y0[o] = z0; y1[o] = z1; y2[o] = z2; y3[o] = z3;
    }
  }
  for (; r < n; r++) { /* remainder rows */
    const f64 *xr = x + r * K;
    f64 *yr = y + r * M;
    for (int o = 0; o < M; o++) {
      f64 z = b ? b[o] : yr[o];
      for (int i = 0; i < K; i++) z += xr[i] * wt[i * M + o];
      yr[o] = z;
    }
  }
}

/*
 * gw(M, K) += gyᵀ(M, n) · x(n, K) and gb(M) += Σ_r gy[r, :]: the weight and bias gradients of
 * a dense layer. Rows are taken four at a time so each gw load/store serves four rows.
 */
EXPORT(weight_grad)
void weight_grad(const f64 *gy, const f64 *x, f64 *gw, f64 *gb, int n, int K, int M) {
  int r = 0;
  for (; r + 3 < n; r += 4) {
    const f64 *x0 = x + r * K, *x1 = x0 + K, *x2 = x1 + K, *x3 = x2 + K;
    const f64 *g = gy + r * M;
    int o = 0;
    /* Two gw rows per pass: each x load then serves two outputs. */
    for (; o + 1 < M; o += 2) {
      f64 g0 = g[o], g1 = g[M + o], g2 = g[2 * M + o], g3 = g[3 * M + o];
      f64 h0 = g[o + 1], h1 = g[M + o + 1], h2 = g[2 * M + o + 1], h3 = g[3 * M + o + 1];
      gb[o] += (g0 + g1) + (g2 + g3);
      gb[o + 1] += (h0 + h1) + (h2 + h3);
      v128_t s0 = wasm_f64x2_splat(g0), s1 = wasm_f64x2_splat(g1);
      v128_t s2 = wasm_f64x2_splat(g2), s3 = wasm_f64x2_splat(g3);
      v128_t t0 = wasm_f64x2_splat(h0), t1 = wasm_f64x2_splat(h1);
      v128_t t2 = wasm_f64x2_splat(h2), t3 = wasm_f64x2_splat(h3);
      f64 *w = gw + o * K, *v = w + K;
      int i = 0;
      for (; i + 1 < K; i += 2) {
        v128_t a = wasm_v128_load(x0 + i), b = wasm_v128_load(x1 + i);
        v128_t c = wasm_v128_load(x2 + i), d = wasm_v128_load(x3 + i);
        v128_t p = wasm_f64x2_add(wasm_f64x2_mul(s0, a), wasm_f64x2_mul(s1, b));
        v128_t q = wasm_f64x2_add(wasm_f64x2_mul(s2, c), wasm_f64x2_mul(s3, d));
        v128_t p2 = wasm_f64x2_add(wasm_f64x2_mul(t0, a), wasm_f64x2_mul(t1, b));
        v128_t q2 = wasm_f64x2_add(wasm_f64x2_mul(t2, c), wasm_f64x2_mul(t3, d));
        wasm_v128_store(w + i, wasm_f64x2_add(wasm_v128_load(w + i), wasm_f64x2_add(p, q)));
        wasm_v128_store(v + i, wasm_f64x2_add(wasm_v128_load(v + i), wasm_f64x2_add(p2, q2)));
      }
      for (; i < K; i++) {
        w[i] += (g0 * x0[i] + g1 * x1[i]) + (g2 * x2[i] + g3 * x3[i]);
        v[i] += (h0 * x0[i] + h1 * x1[i]) + (h2 * x2[i] + h3 * x3[i]);
      }
    }
    for (; o < M; o++) {
      f64 g0 = g[o], g1 = g[M + o], g2 = g[2 * M + o], g3 = g[3 * M + o];
      gb[o] += (g0 + g1) + (g2 + g3);
      v128_t s0 = wasm_f64x2_splat(g0), s1 = wasm_f64x2_splat(g1);
      v128_t s2 = wasm_f64x2_splat(g2), s3 = wasm_f64x2_splat(g3);
      f64 *w = gw + o * K;
      int i = 0;
      for (; i + 1 < K; i += 2) {
        v128_t t = wasm_f64x2_add(wasm_f64x2_mul(s0, wasm_v128_load(x0 + i)),
                                  wasm_f64x2_mul(s1, wasm_v128_load(x1 + i)));
        v128_t u = wasm_f64x2_add(wasm_f64x2_mul(s2, wasm_v128_load(x2 + i)),
                                  wasm_f64x2_mul(s3, wasm_v128_load(x3 + i)));
        wasm_v128_store(w + i, wasm_f64x2_add(wasm_v128_load(w + i), wasm_f64x2_add(t, u)));
      }
      for (; i < K; i++) w[i] += (g0 * x0[i] + g1 * x1[i]) + (g2 * x2[i] + g3 * x3[i]);
    }
  }
  for (; r < n; r++) {
    const f64 *xr = x + r * K;
    for (int o = 0; o < M; o++) {
      f64 g = gy[r * M + o];
      gb[o] += g;
      for (int i = 0; i < K; i++) gw[o * K + i] += g * xr[i];
    }
  }
}

/* Cody–Waite split of ln 2 (fdlibm's ln2_hi has 32 trailing zero bits, so k·ln2_hi is exact). */
static const f64 LN2_HI = 6.93147180369123816490e-01;
static const f64 LN2_LO = 1.90821492927058770002e-10;
static const f64 INV_LN2 = 1.44269504088896338700e+00;

/* a + b·x on two lanes. */
static inline v128_t madd(v128_t a, v128_t b, v128_t x) {
  return wasm_f64x2_add(a, wasm_f64x2_mul(b, x));
}
#define C(v) wasm_f64x2_splat(v)

/*
 * expm1(r) for |r| ≤ ln2/2 by its Taylor series to r^14 (truncation < 1e-17 relative):
 * r · Σ_{j=0}^{13} r^j/(j+1)!, evaluated by Estrin's scheme (a shallower dependency chain than
 * Horner's, same accuracy at these small |r|).
 */
static inline v128_t expm1_reduced(v128_t r) {
  v128_t r2 = wasm_f64x2_mul(r, r), r4 = wasm_f64x2_mul(r2, r2), r8 = wasm_f64x2_mul(r4, r4);
  v128_t p01 = madd(C(1.0), C(1.0 / 2.0), r), p23 = madd(C(1.0 / 6.0), C(1.0 / 24.0), r);
  v128_t p45 = madd(C(1.0 / 120.0), C(1.0 / 720.0), r);
  v128_t p67 = madd(C(1.0 / 5040.0), C(1.0 / 40320.0), r);
  v128_t p89 = madd(C(1.0 / 362880.0), C(1.0 / 3628800.0), r);
  v128_t p1011 = madd(C(1.0 / 39916800.0), C(1.0 / 479001600.0), r);
  v128_t p1213 = madd(C(1.0 / 6227020800.0), C(1.0 / 87178291200.0), r);
  v128_t q0 = madd(p01, p23, r2), q1 = madd(p45, p67, r2), q2 = madd(p89, p1011, r2);
  v128_t lo = madd(q0, q1, r4);
  v128_t hi = madd(q2, p1213, r4);
  return wasm_f64x2_mul(r, madd(lo, hi, r8));
}

/*
 * tanh on two lanes: with u = 2|x| = k ln2 + r, expm1(u) = 2^k (1 + expm1(r)) − 1 (exact
 * expm1(r) when k = 0, so small |x| keeps full relative accuracy), tanh|x| = e/(e + 2).
 * |x| ≥ 20 gives 1 exactly (tanh 20 = 1 − 8e−18).
 */
static inline v128_t tanh2(v128_t x) {
  v128_t ax = wasm_f64x2_min(wasm_f64x2_abs(x), wasm_f64x2_splat(20.0));
  v128_t u = wasm_f64x2_add(ax, ax);
  /* k = round(u / ln2) by the 1.5·2^52 shifter: the sum's low mantissa bits hold k as an
     integer (u / ln2 ≤ 58), which is cheaper in wasm SIMD than nearest + trunc + extend. */
  v128_t shifter = wasm_f64x2_splat(6755399441055744.0);
  v128_t ks = wasm_f64x2_add(wasm_f64x2_mul(u, wasm_f64x2_splat(INV_LN2)), shifter);
  v128_t k = wasm_f64x2_sub(ks, shifter);
  v128_t r = wasm_f64x2_sub(wasm_f64x2_sub(u, wasm_f64x2_mul(k, wasm_f64x2_splat(LN2_HI))),
                            wasm_f64x2_mul(k, wasm_f64x2_splat(LN2_LO)));
  v128_t em = expm1_reduced(r);
  /* 2^k as a double: (k + 1023) << 52, with k taken from the shifter's bits. */
  v128_t two_k = wasm_i64x2_shl(
      wasm_i64x2_add(wasm_i64x2_sub(ks, shifter), wasm_i64x2_splat(1023)), 52);
  v128_t one = wasm_f64x2_splat(1.0);
  /* k = 0: e = em; else e = 2^k (1 + em) − 1 = (2^k − 1) + 2^k em. */
  v128_t e = wasm_f64x2_add(wasm_f64x2_sub(two_k, one), wasm_f64x2_mul(two_k, em));
  v128_t t = wasm_f64x2_div(e, wasm_f64x2_add(e, wasm_f64x2_splat(2.0)));
  /* copy the sign of x */
  v128_t sign = wasm_v128_and(x, wasm_f64x2_splat(-0.0));
  return wasm_v128_or(t, sign);
}

/* Apply the hidden activation in place to len values: 1 = tanh, 2 = relu. */
EXPORT(activate)
void activate(f64 *y, int len, int act) {
  int i = 0;
  if (act == 1) {
    /* Two independent vectors per iteration: the polynomial is a dependent chain, so interleaving
       two of them keeps both SIMD pipes busy. */
    for (; i + 3 < len; i += 4) {
      v128_t a = tanh2(wasm_v128_load(y + i)), b = tanh2(wasm_v128_load(y + i + 2));
      wasm_v128_store(y + i, a);
      wasm_v128_store(y + i + 2, b);
    }
    for (; i + 1 < len; i += 2) wasm_v128_store(y + i, tanh2(wasm_v128_load(y + i)));
    if (i < len) {
      f64 tmp[2] = {y[i], 0.0};
      wasm_v128_store(tmp, tanh2(wasm_v128_load(tmp)));
      y[i] = tmp[0];
    }
  } else if (act == 2) {
    v128_t zero = wasm_f64x2_splat(0.0);
    for (; i + 1 < len; i += 2) wasm_v128_store(y + i, wasm_f64x2_pmax(zero, wasm_v128_load(y + i)));
    if (i < len) y[i] = y[i] > 0 ? y[i] : 0;
  }
}

/*
 * g ⊙= act'(h), with the slope written in terms of the activation's output h:
 * tanh' = 1 − h², relu' = [h > 0]. len values.
 */
EXPORT(activation_slope_mul)
void activation_slope_mul(f64 *g, const f64 *h, int len, int act) {
  int i = 0;
  if (act == 1) {
    v128_t one = wasm_f64x2_splat(1.0);
    for (; i + 1 < len; i += 2) {
      v128_t hv = wasm_v128_load(h + i);
      wasm_v128_store(g + i, wasm_f64x2_mul(wasm_v128_load(g + i),
                                            wasm_f64x2_sub(one, wasm_f64x2_mul(hv, hv))));
    }
    for (; i < len; i++) g[i] *= 1 - h[i] * h[i];
  } else if (act == 2) {
    for (; i < len; i++) g[i] = h[i] > 0 ? g[i] : 0;
  }
}

/* Zero len doubles. */
EXPORT(zero)
void zero(f64 *p, int len) {
  v128_t z = wasm_f64x2_splat(0.0);
  int i = 0;
  for (; i + 1 < len; i += 2) wasm_v128_store(p + i, z);
  if (i < len) p[i] = 0;
}

/*
 * Load one layer's parameters (W (M, K) row-major, then b (M)) from float32 `src`: w gets W and b
 * as float64; wt (if not null) gets Wᵀ (K, M) and b. The TS side copies the whole float32 vector
 * into wasm memory with one memcpy and calls this per layer.
 */
EXPORT(load_layer_f32)
void load_layer_f32(const float *src, f64 *w, f64 *wt, int K, int M) {
  for (int o = 0; o < M; o++) {
    for (int i = 0; i < K; i++) {
      f64 v = src[o * K + i];
      w[o * K + i] = v;
      if (wt) wt[i * M + o] = v;
    }
  }
  for (int o = 0; o < M; o++) {
    w[K * M + o] = src[K * M + o];
    if (wt) wt[K * M + o] = src[K * M + o];
  }
}

/* The same for a float64 direction: wt gets Wᵀ (K, M) and b. */
EXPORT(load_layer_f64_t)
void load_layer_f64_t(const f64 *src, f64 *wt, int K, int M) {
  for (int o = 0; o < M; o++)
    for (int i = 0; i < K; i++) wt[i * M + o] = src[o * K + i];
  for (int o = 0; o < M; o++) wt[K * M + o] = src[K * M + o];
}

/*
 * WebAssembly SIMD (f64x2) kernels for the dense layers of torquepilot's MLPs.
 *
 * Everything is float64, like the plain-TS kernels in src/policy/mlp.ts, so both paths give the
 * same numbers up to summation order (about 1e-15 relative), and the Fisher matrix stays symmetric
 * to 1e-9 (test/learn/fisher.test.ts). Matrices are row-major; batches are (n, features).
 * No libc: tanh is computed here from an expm1 Taylor polynomial after Cody–Waite range
 * reduction (accurate to a few ulp, checked against Math.tanh in test/kernels).
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
    for (int o = 0; o < M; o++) {
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

/* expm1(r) for |r| ≤ ln2/2 by its Taylor series to r^14 (truncation < 1e-18). */
static inline v128_t expm1_reduced(v128_t r) {
  v128_t p = wasm_f64x2_splat(1.0 / 87178291200.0); /* 1/14! */
  static const f64 c[13] = {1.0 / 6227020800.0, 1.0 / 479001600.0, 1.0 / 39916800.0,
                            1.0 / 3628800.0,    1.0 / 362880.0,    1.0 / 40320.0,
                            1.0 / 5040.0,       1.0 / 720.0,       1.0 / 120.0,
                            1.0 / 24.0,         1.0 / 6.0,         1.0 / 2.0,
                            1.0};
  for (int j = 0; j < 13; j++) p = wasm_f64x2_add(wasm_f64x2_mul(p, r), wasm_f64x2_splat(c[j]));
  return wasm_f64x2_mul(p, r);
}

/*
 * tanh on two lanes: with u = 2|x| = k ln2 + r, expm1(u) = 2^k (1 + expm1(r)) − 1 (exact
 * expm1(r) when k = 0, so small |x| keeps full relative accuracy), tanh|x| = e/(e + 2).
 * |x| ≥ 20 gives 1 exactly (tanh 20 = 1 − 8e−18).
 */
static inline v128_t tanh2(v128_t x) {
  v128_t ax = wasm_f64x2_min(wasm_f64x2_abs(x), wasm_f64x2_splat(20.0));
  v128_t u = wasm_f64x2_add(ax, ax);
  v128_t k = wasm_f64x2_nearest(wasm_f64x2_mul(u, wasm_f64x2_splat(INV_LN2)));
  v128_t r = wasm_f64x2_sub(wasm_f64x2_sub(u, wasm_f64x2_mul(k, wasm_f64x2_splat(LN2_HI))),
                            wasm_f64x2_mul(k, wasm_f64x2_splat(LN2_LO)));
  v128_t em = expm1_reduced(r);
  /* 2^k as a double: (k + 1023) << 52, k ∈ [0, 58]. */
  v128_t ki = wasm_i64x2_extend_low_i32x4(wasm_i32x4_trunc_sat_f64x2_zero(k));
  v128_t two_k = wasm_i64x2_shl(wasm_i64x2_add(ki, wasm_i64x2_splat(1023)), 52);
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

// hwgen_layers.h: the streaming layers of hwgen's HLS back end, one function template each.
//
// Same semantics as the RTL templates (rtl_templates/README.md) and the golden executor:
// value codes INTn two's complement, UINTn plain, BIPOLAR 1 = +1 / 0 = -1, TERNARY as INT2;
// lane i of a beat at bits [i*w, (i+1)*w); NHWC with channels innermost. Every function moves
// exactly one frame per call, so a dataflow top calls each once per frame.
// Type codes: 0 UINT, 1 INT, 2 BIPOLAR, 3 TERNARY.
#ifndef HWGEN_LAYERS_H
#define HWGEN_LAYERS_H

#include "hwgen_hls.h"

namespace hwgen {

// The value of one lane code as a signed integer one bit wider than the code.
template <int B, int KIND>
ap_int<B + 1> lane_value(const ap_uint<B>& code) {
#pragma HLS INLINE
    if (KIND == 2) return code[0] ? ap_int<B + 1>(1) : ap_int<B + 1>(-1);
    if (KIND == 0) return ap_int<B + 1>(code);
    const ap_int<B> s = code;
    return ap_int<B + 1>(s);
}

// The activation code of a value: OUT_BIAS plus the number of thresholds it reaches (the
// thresholds of one channel, ascending; DESIGN.md section 2).
template <int N_THRES, int THR_BITS, typename V>
ap_int<32> threshold_code(const V& v, const ap_int<THR_BITS> thr[], int out_bias) {
#pragma HLS INLINE
    ap_int<32> count = out_bias;
    for (int k = 0; k < N_THRES; k++) {
#pragma HLS UNROLL
        if (v >= thr[k]) count += 1;
    }
    return count;
}

// Matrix-vector unit (MH x MW weights) over PIXELS vectors per frame, folded SIMD x PE, with
// N_THRES thresholds per output (0: the raw accumulator). Both operands BIPOLAR: XNOR-popcount
// (with thresholds, the accumulator and the thresholds count matching bits). weights[p*SIMD + s][nf*SF + sf]
// holds the code of W[nf*PE + p][sf*SIMD + s]; thresholds[p][nf][k] is T[nf*PE + p][k].
template <int MW, int MH, int SIMD, int PE, int PIXELS, int IN_BITS, int IN_TYPE, int W_BITS,
          int W_TYPE, int ACC_BITS, int N_THRES, int THR_BITS, int OUT_BITS, int OUT_BIAS>
void mvau(hls::stream<ap_uint<SIMD * IN_BITS> >& in,
          hls::stream<ap_uint<PE * (N_THRES > 0 ? OUT_BITS : ACC_BITS)> >& out,
          const ap_uint<W_BITS> weights[PE * SIMD][(MH / PE) * (MW / SIMD)],
          const ap_int<THR_BITS> thresholds[PE][MH / PE][N_THRES > 0 ? N_THRES : 1]) {
#pragma HLS INLINE
    static_assert(MW % SIMD == 0, "mvau: MW must be a multiple of SIMD");
    static_assert(MH % PE == 0, "mvau: MH must be a multiple of PE");
    static_assert(N_THRES >= 0 && N_THRES <= 255, "mvau: 0..255 thresholds");
    static_assert(N_THRES == 0 || (1 << OUT_BITS) >= N_THRES + 1 || OUT_BIAS != 0,
                  "mvau: OUT_BITS too narrow for the threshold count");
    constexpr int SF = MW / SIMD, NF = MH / PE;
    constexpr int OW = N_THRES > 0 ? OUT_BITS : ACC_BITS;
    constexpr bool XNOR = IN_TYPE == 2 && W_TYPE == 2;
    static ap_uint<SIMD * IN_BITS> vec[SF];
    ap_int<ACC_BITS> acc[PE];
#pragma HLS ARRAY_PARTITION variable=acc complete dim=1
    for (int px = 0; px < PIXELS; px++) {
        for (int i = 0; i < NF * SF; i++) {
#pragma HLS PIPELINE II=1
            const int nf = i / SF, sf = i % SF;
            if (nf == 0) vec[sf] = in.read();
            const ap_uint<SIMD * IN_BITS> x = vec[sf];
            for (int p = 0; p < PE; p++) {
#pragma HLS UNROLL
                if (sf == 0) acc[p] = 0;
                for (int s = 0; s < SIMD; s++) {
#pragma HLS UNROLL
                    const ap_uint<IN_BITS> xc = x.range(s * IN_BITS + IN_BITS - 1, s * IN_BITS);
                    const ap_uint<W_BITS> wc = weights[p * SIMD + s][i];
                    if (XNOR && N_THRES > 0) {  // popcount; raw output stays 2*popcount - MW
                        acc[p] += ap_uint<1>(xc[0] == wc[0] ? 1 : 0);
                    } else {
                        acc[p] += lane_value<IN_BITS, IN_TYPE>(xc) * lane_value<W_BITS, W_TYPE>(wc);
                    }
                }
            }
            if (sf == SF - 1) {
                ap_uint<PE * OW> o = 0;
                for (int p = 0; p < PE; p++) {
#pragma HLS UNROLL
                    if (N_THRES > 0) {
                        o.range(p * OW + OW - 1, p * OW) =
                            threshold_code<N_THRES, THR_BITS>(acc[p], thresholds[p][nf], OUT_BIAS);
                    } else {
                        o.range(p * OW + OW - 1, p * OW) = acc[p];
                    }
                }
                out.write(o);
            }
        }
    }
}

// Multi-threshold unit: lane = OUT_BIAS + #{k : x >= T[c][k]} (mod 2^OUT_BITS). CHANNELS per
// pixel, PE per beat. SHARED: one threshold set for every channel (thresholds[0][0][k]).
template <int CHANNELS, int PE, int PIXELS, int N_THRES, int IN_BITS, int IN_SIGNED,
          int THR_BITS, int OUT_BITS, int OUT_BIAS, int SHARED>
void thresholding(hls::stream<ap_uint<PE * IN_BITS> >& in, hls::stream<ap_uint<PE * OUT_BITS> >& out,
                  const ap_int<THR_BITS> thresholds[SHARED ? 1 : PE][SHARED ? 1 : CHANNELS / PE]
                                                   [N_THRES]) {
#pragma HLS INLINE
    static_assert(CHANNELS % PE == 0, "thresholding: CHANNELS must be a multiple of PE");
    static_assert(N_THRES >= 1 && N_THRES <= 255, "thresholding: 1..255 thresholds");
    constexpr int CF = CHANNELS / PE;
    for (int i = 0; i < PIXELS * CF; i++) {
#pragma HLS PIPELINE II=1
        const int cf = i % CF;
        const ap_uint<PE * IN_BITS> x = in.read();
        ap_uint<PE * OUT_BITS> o = 0;
        for (int p = 0; p < PE; p++) {
#pragma HLS UNROLL
            const ap_uint<IN_BITS> code = x.range(p * IN_BITS + IN_BITS - 1, p * IN_BITS);
            const ap_int<IN_BITS + 1> v = lane_value<IN_BITS, IN_SIGNED ? 1 : 0>(code);
            o.range(p * OUT_BITS + OUT_BITS - 1, p * OUT_BITS) = threshold_code<N_THRES, THR_BITS>(
                v, thresholds[SHARED ? 0 : p][SHARED ? 0 : cf], OUT_BIAS);
        }
        out.write(o);
    }
}

// General sliding window generator (rtl_templates/README.md, general hwgen_swg): KH x KW
// windows, strides SH, SW, padding PT (top), PL (left), PB, PR, dilations DH, DW; window
// element (i, j) of output pixel (oh, ow) reads row oh*SH - PT + i*DH, column ow*SW - PL + j*DW,
// and a padding element is PAD_CODE in every lane. Order per output pixel: (kh, kw, cf), cf
// innermost, or with CFMAJOR (the input of vvau) (cf, kh, kw), kw innermost. Buffers one frame.
template <int H, int W, int C, int SIMD, int KH, int KW, int SH, int SW, int PT, int PL, int PB,
          int PR, int DH, int DW, int CFMAJOR, int PAD_CODE, int BITS>
void swg_general(hls::stream<ap_uint<SIMD * BITS> >& in, hls::stream<ap_uint<SIMD * BITS> >& out) {
#pragma HLS INLINE
    static_assert(C % SIMD == 0, "swg_general: C must be a multiple of SIMD");
    constexpr int EKH = (KH - 1) * DH + 1, EKW = (KW - 1) * DW + 1;
    static_assert(PT >= 0 && PB >= 0 && PT < EKH && PB < EKH, "swg_general: 0 <= PT, PB < EKH");
    static_assert(PL >= 0 && PR >= 0 && PL < EKW && PR < EKW, "swg_general: 0 <= PL, PR < EKW");
    static_assert(H + PT + PB >= EKH && W + PL + PR >= EKW, "swg_general: window larger than input");
    constexpr int CF = C / SIMD;
    constexpr int OH = (H + PT + PB - EKH) / SH + 1, OW = (W + PL + PR - EKW) / SW + 1;
    ap_uint<SIMD * BITS> pad = 0;
    for (int s = 0; s < SIMD; s++) {
#pragma HLS UNROLL
        pad.range(s * BITS + BITS - 1, s * BITS) = PAD_CODE;
    }
    static ap_uint<SIMD * BITS> frame[H * W * CF];
    for (int i = 0; i < H * W * CF; i++) {
#pragma HLS PIPELINE II=1
        frame[i] = in.read();
    }
    for (int i = 0; i < OH * OW * KH * KW * CF; i++) {
#pragma HLS PIPELINE II=1
        int cf, kh, kw;
        if (CFMAJOR) {
            kw = i % KW;
            kh = (i / KW) % KH;
            cf = (i / (KW * KH)) % CF;
        } else {
            cf = i % CF;
            kw = (i / CF) % KW;
            kh = (i / (CF * KW)) % KH;
        }
        const int pix = i / (CF * KH * KW), ow = pix % OW, oh = pix / OW;
        const int ih = oh * SH - PT + kh * DH, iw = ow * SW - PL + kw * DW;
        const bool inside = ih >= 0 && ih < H && iw >= 0 && iw < W;
        out.write(inside ? frame[(ih * W + iw) * CF + cf] : pad);
    }
}

// Sliding window generator (im2col as a stream): K x K windows, STRIDE, zero padding PAD; output
// pixels in raster order, each K*K*CF beats in (kh, kw, cf) order. Buffers one frame.
template <int H, int W, int C, int SIMD, int K, int STRIDE, int PAD, int BITS>
void swg(hls::stream<ap_uint<SIMD * BITS> >& in, hls::stream<ap_uint<SIMD * BITS> >& out) {
#pragma HLS INLINE
    static_assert(PAD >= 0 && PAD < K, "swg: 0 <= PAD < K");
    // the general generator with square windows, equal strides and pads, no dilation, zeros
    swg_general<H, W, C, SIMD, K, K, STRIDE, STRIDE, PAD, PAD, PAD, PAD, 1, 1, 0, 0, BITS>(in, out);
}

// Window-parallel sliding window generator: as swg, but SIMD = M*C elements per output beat
// (M window pixels, M | K*K; SIMD = K*K*C: one window per beat) and one pixel per input beat.
// Buffers one frame of pixels, partitioned cyclically by K in rows and columns (as the RTL's
// banks) so the pixels of one window sit in distinct banks.
template <int H, int W, int C, int SIMD, int K, int STRIDE, int PAD, int BITS>
void swg_par(hls::stream<ap_uint<C * BITS> >& in, hls::stream<ap_uint<SIMD * BITS> >& out) {
#pragma HLS INLINE
    static_assert(SIMD % C == 0 && (K * K) % (SIMD / C) == 0, "swg_par: SIMD = M*C, M | K*K");
    static_assert(PAD >= 0 && PAD < K, "swg_par: 0 <= PAD < K");
    constexpr int M = SIMD / C, WF = K * K / M;
    constexpr int OH = (H + 2 * PAD - K) / STRIDE + 1, OW = (W + 2 * PAD - K) / STRIDE + 1;
    static ap_uint<C * BITS> frame[H][W];
#pragma HLS ARRAY_PARTITION variable=frame cyclic factor=K dim=1
#pragma HLS ARRAY_PARTITION variable=frame cyclic factor=K dim=2
    for (int i = 0; i < H * W; i++) {
#pragma HLS PIPELINE II=1
        frame[i / W][i % W] = in.read();
    }
    for (int i = 0; i < OH * OW * WF; i++) {
#pragma HLS PIPELINE II=1
        const int j = i % WF, pix = i / WF, ow = pix % OW, oh = pix / OW;
        ap_uint<SIMD * BITS> beat = 0;
        for (int m = 0; m < M; m++) {
#pragma HLS UNROLL
            const int kh = (j * M + m) / K, kw = (j * M + m) % K;
            const int ih = oh * STRIDE - PAD + kh, iw = ow * STRIDE - PAD + kw;
            const bool inside = ih >= 0 && ih < H && iw >= 0 && iw < W;
            if (inside) beat.range((m + 1) * C * BITS - 1, m * C * BITS) = frame[ih][iw];
        }
        out.write(beat);
    }
}

// Vector-vector unit after a channel-fold-major window stream (hwgen_vvau): per channel a
// reduction over KK window positions, PE channels per beat, PIXELS windows per frame; SIMD > 1
// (window-parallel, PE = C): SIMD window positions per beat, lane s*PE + p = channel p at
// position kb*SIMD + s. MODE 0:
// dot product with weights[p][cf*KK + k] = code of W[cf*PE + p][k] (depthwise convolution);
// 1: window sum (average pool); 2: window max (the largest code leaves). The input codes are
// the values (IN_SIGNED: two's complement). N_THRES > 0: lane = OUT_BIAS + #{k : acc >= T}
// (thresholds[p][cf][k] = T[cf*PE + p][k]); else the raw ACC_BITS accumulator (MODE 2: the
// IN_BITS code).
template <int C, int PE, int KK, int SIMD, int PIXELS, int MODE, int IN_BITS, int IN_SIGNED,
          int W_BITS, int W_TYPE, int ACC_BITS, int N_THRES, int THR_BITS, int OUT_BITS,
          int OUT_BIAS>
void vvau(hls::stream<ap_uint<SIMD * PE * IN_BITS> >& in,
          hls::stream<ap_uint<PE * (N_THRES > 0 ? OUT_BITS : (MODE == 2 ? IN_BITS : ACC_BITS))> >& out,
          const ap_uint<W_BITS> weights[PE][MODE == 0 ? (C / PE) * KK : 1],
          const ap_int<THR_BITS> thresholds[PE][C / PE][N_THRES > 0 ? N_THRES : 1]) {
#pragma HLS INLINE
    static_assert(C % PE == 0, "vvau: C must be a multiple of PE");
    static_assert(KK % SIMD == 0 && (SIMD == 1 || PE == C), "vvau: SIMD | KK, PE = C if SIMD > 1");
    static_assert(MODE >= 0 && MODE <= 2, "vvau: MODE 0 (dot), 1 (sum) or 2 (max)");
    static_assert(MODE != 2 || N_THRES == 0, "vvau: a window max has no thresholds");
    static_assert(N_THRES >= 0 && N_THRES <= 255, "vvau: 0..255 thresholds");
    constexpr int CF = C / PE, KB = KK / SIMD;
    constexpr int OW = N_THRES > 0 ? OUT_BITS : (MODE == 2 ? IN_BITS : ACC_BITS);
    ap_int<ACC_BITS> acc[PE];
    ap_uint<IN_BITS> best[PE];
#pragma HLS ARRAY_PARTITION variable=acc complete dim=1
#pragma HLS ARRAY_PARTITION variable=best complete dim=1
    for (int i = 0; i < PIXELS * CF * KB; i++) {
#pragma HLS PIPELINE II=1
        const int kb = i % KB, cf = (i / KB) % CF;
        const ap_uint<SIMD * PE * IN_BITS> x = in.read();
        for (int s = 0; s < SIMD; s++) {
#pragma HLS UNROLL
            const int k = kb * SIMD + s;
            for (int p = 0; p < PE; p++) {
#pragma HLS UNROLL
                const int l = s * PE + p;
                const ap_uint<IN_BITS> xc = x.range(l * IN_BITS + IN_BITS - 1, l * IN_BITS);
                const ap_int<IN_BITS + 1> xv = lane_value<IN_BITS, IN_SIGNED ? 1 : 0>(xc);
                if (MODE == 2) {
                    if (k == 0 || xv > lane_value<IN_BITS, IN_SIGNED ? 1 : 0>(best[p])) best[p] = xc;
                } else {
                    ap_int<ACC_BITS> term = xv;
                    if (MODE == 0) {
                        const ap_uint<W_BITS> wc = weights[p][MODE == 0 ? cf * KK + k : 0];
                        term = xv * lane_value<W_BITS, W_TYPE>(wc);
                    }
                    acc[p] = k == 0 ? term : ap_int<ACC_BITS>(acc[p] + term);
                }
            }
        }
        if (kb == KB - 1) {
            ap_uint<PE * OW> o = 0;
            for (int p = 0; p < PE; p++) {
#pragma HLS UNROLL
                if (MODE == 2) {
                    o.range(p * OW + OW - 1, p * OW) = best[p];
                } else if (N_THRES > 0) {
                    o.range(p * OW + OW - 1, p * OW) =
                        threshold_code<N_THRES, THR_BITS>(acc[p], thresholds[p][cf], OUT_BIAS);
                } else {
                    o.range(p * OW + OW - 1, p * OW) = acc[p];
                }
            }
            out.write(o);
        }
    }
}

// K x K max pool, stride K, NHWC, PE channels per beat; trailing rows/columns dropped.
template <int H, int W, int C, int PE, int K, int BITS, int SIGNED>
void maxpool(hls::stream<ap_uint<PE * BITS> >& in, hls::stream<ap_uint<PE * BITS> >& out) {
#pragma HLS INLINE
    static_assert(C % PE == 0, "maxpool: C must be a multiple of PE");
    constexpr int CF = C / PE, OH = H / K, OW = W / K;
    static ap_uint<PE * BITS> row[OW * CF];
    for (int i = 0; i < H * W * CF; i++) {
#pragma HLS PIPELINE II=1
        const int cf = i % CF, w = (i / CF) % W, h = i / (CF * W);
        const ap_uint<PE * BITS> x = in.read();
        if (h < OH * K && w < OW * K) {
            const int slot = (w / K) * CF + cf;
            const bool first = h % K == 0 && w % K == 0;
            const ap_uint<PE * BITS> cur = row[slot];
            ap_uint<PE * BITS> r = x;
            for (int p = 0; p < PE; p++) {
#pragma HLS UNROLL
                const ap_int<BITS + 1> a =
                    lane_value<BITS, SIGNED ? 1 : 0>(x.range(p * BITS + BITS - 1, p * BITS));
                const ap_int<BITS + 1> b =
                    lane_value<BITS, SIGNED ? 1 : 0>(cur.range(p * BITS + BITS - 1, p * BITS));
                if (!first && b > a) r.range(p * BITS + BITS - 1, p * BITS) = cur.range(p * BITS + BITS - 1, p * BITS);
            }
            if (h % K == K - 1 && w % K == K - 1)
                out.write(r);
            else
                row[slot] = r;
        }
    }
}

// Top-1 over C values (PE per beat); ties go to the lowest index. One output beat per frame.
template <int C, int PE, int IN_BITS, int IN_SIGNED, int OUT_BITS>
void label_select(hls::stream<ap_uint<PE * IN_BITS> >& in, hls::stream<ap_uint<OUT_BITS> >& out) {
#pragma HLS INLINE
    static_assert(C % PE == 0, "label_select: C must be a multiple of PE");
    static_assert((1 << OUT_BITS) >= C, "label_select: OUT_BITS too narrow for C labels");
    ap_int<IN_BITS + 1> best = 0;
    ap_uint<OUT_BITS> index = 0;
    for (int b = 0; b < C / PE; b++) {
#pragma HLS PIPELINE II=1
        const ap_uint<PE * IN_BITS> x = in.read();
        for (int p = 0; p < PE; p++) {
            const ap_int<IN_BITS + 1> v =
                lane_value<IN_BITS, IN_SIGNED ? 1 : 0>(x.range(p * IN_BITS + IN_BITS - 1, p * IN_BITS));
            if ((b == 0 && p == 0) || v > best) {
                best = v;
                index = b * PE + p;
            }
        }
    }
    out.write(index);
}

// Stream fork (hwgen_dup): each of the BEATS beats of a frame goes to both outputs.
template <int WIDTH, int BEATS>
void dup(hls::stream<ap_uint<WIDTH> >& in, hls::stream<ap_uint<WIDTH> >& out0,
         hls::stream<ap_uint<WIDTH> >& out1) {
#pragma HLS INLINE
    for (int i = 0; i < BEATS; i++) {
#pragma HLS PIPELINE II=1
        const ap_uint<WIDTH> x = in.read();
        out0.write(x);
        out1.write(x);
    }
}

// Elementwise add of two code streams (hwgen_add), PE lanes per beat on both inputs and the
// output, PIXELS * CHANNELS / PE beats per frame: per lane s = K0 * a + K1 * b (a, b: the lane
// codes, IN*_SIGNED two's complement, else unsigned) as SUM_BITS two's complement, then
// OUT_BIAS + #{k : s >= T[c][k]} (N_THRES > 0; thresholds[p][cf][k] = T[cf*PE + p][k], SHARED:
// thresholds[0][0][k]) or the raw sum (N_THRES = 0, OUT_BITS = SUM_BITS).
template <int CHANNELS, int PE, int PIXELS, int IN0_BITS, int IN0_SIGNED, int IN1_BITS,
          int IN1_SIGNED, int K0, int K1, int SUM_BITS, int N_THRES, int THR_BITS, int OUT_BITS,
          int OUT_BIAS, int SHARED>
void add(hls::stream<ap_uint<PE * IN0_BITS> >& in0, hls::stream<ap_uint<PE * IN1_BITS> >& in1,
         hls::stream<ap_uint<PE * OUT_BITS> >& out,
         const ap_int<THR_BITS> thresholds[SHARED ? 1 : PE][SHARED ? 1 : CHANNELS / PE]
                                          [N_THRES > 0 ? N_THRES : 1]) {
#pragma HLS INLINE
    static_assert(CHANNELS % PE == 0, "add: CHANNELS must be a multiple of PE");
    static_assert(K0 >= 1 && K1 >= 1, "add: K0 and K1 must be >= 1");
    static_assert(SUM_BITS > IN0_BITS && SUM_BITS > IN1_BITS && SUM_BITS <= 32,
                  "add: SUM_BITS must exceed both input widths (and be <= 32)");
    static_assert(N_THRES >= 0 && N_THRES <= 255, "add: 0..255 thresholds");
    static_assert(N_THRES > 0 || OUT_BITS == SUM_BITS, "add: the raw sum needs OUT_BITS = SUM_BITS");
    constexpr int CF = CHANNELS / PE;
    for (int i = 0; i < PIXELS * CF; i++) {
#pragma HLS PIPELINE II=1
        const int cf = i % CF;
        const ap_uint<PE * IN0_BITS> x0 = in0.read();
        const ap_uint<PE * IN1_BITS> x1 = in1.read();
        ap_uint<PE * OUT_BITS> o = 0;
        for (int p = 0; p < PE; p++) {
#pragma HLS UNROLL
            const ap_int<IN0_BITS + 1> a = lane_value<IN0_BITS, IN0_SIGNED ? 1 : 0>(
                x0.range(p * IN0_BITS + IN0_BITS - 1, p * IN0_BITS));
            const ap_int<IN1_BITS + 1> b = lane_value<IN1_BITS, IN1_SIGNED ? 1 : 0>(
                x1.range(p * IN1_BITS + IN1_BITS - 1, p * IN1_BITS));
            // the two's complement sum modulo 2^SUM_BITS, as the RTL's SUM_BITS-wide adder
            const ap_int<SUM_BITS> s = ap_int<32>(K0) * a + ap_int<32>(K1) * b;
            if (N_THRES > 0) {
                o.range(p * OUT_BITS + OUT_BITS - 1, p * OUT_BITS) = threshold_code<N_THRES, THR_BITS>(
                    s, thresholds[SHARED ? 0 : p][SHARED ? 0 : cf], OUT_BIAS);
            } else {
                o.range(p * OUT_BITS + OUT_BITS - 1, p * OUT_BITS) = s;
            }
        }
        out.write(o);
    }
}

// Channel concatenation (hwgen_concat), NHWC: per pixel C0 / PE beats of input 0, then
// C1 / PE beats of input 1, PE elements of BITS per beat on all three streams.
template <int C0, int C1, int PE, int PIXELS, int BITS>
void concat(hls::stream<ap_uint<PE * BITS> >& in0, hls::stream<ap_uint<PE * BITS> >& in1,
            hls::stream<ap_uint<PE * BITS> >& out) {
#pragma HLS INLINE
    static_assert(PE >= 1 && C0 % PE == 0 && C1 % PE == 0, "concat: PE must divide C0 and C1");
    constexpr int B0 = C0 / PE, BT = (C0 + C1) / PE;
    for (int i = 0; i < PIXELS * BT; i++) {
#pragma HLS PIPELINE II=1
        out.write(i % BT < B0 ? in0.read() : in1.read());
    }
}

// Frame-aware width converter: a frame of FRAME_BITS arrives as ceil(FRAME_BITS / IN_W) beats
// and leaves as ceil(FRAME_BITS / OUT_W) beats, bits LSB first, the last beat zero-padded.
template <int IN_W, int OUT_W, int FRAME_BITS>
void dwc(hls::stream<ap_uint<IN_W> >& in, hls::stream<ap_uint<OUT_W> >& out) {
#pragma HLS INLINE
    constexpr int IN_BEATS = (FRAME_BITS + IN_W - 1) / IN_W;
    constexpr int OUT_BEATS = (FRAME_BITS + OUT_W - 1) / OUT_W;
    ap_uint<IN_W + OUT_W> buf = 0;
    int have = 0, left = IN_BEATS;
    for (int o = 0; o < OUT_BEATS; o++) {
        while (have < OUT_W && left > 0) {
#pragma HLS PIPELINE II=1
            const ap_uint<IN_W> x = in.read();
            buf |= ap_uint<IN_W + OUT_W>(x) << have;
            have += IN_W;
            left--;
        }
        out.write(ap_uint<OUT_W>(buf.range(OUT_W - 1, 0)));
        buf >>= OUT_W;
        have = have > OUT_W ? have - OUT_W : 0;
    }
}

// DMA-side AXI-Stream words <-> native beats (as dwc); the input frame's tlast travels on
// `last` to the output frame's last word.
template <int DMA_W, int OUT_W, int FRAME_BITS>
void axis_in(hls::stream<ap_axiu<DMA_W, 0, 0, 0> >& in, hls::stream<ap_uint<OUT_W> >& out,
             hls::stream<ap_uint<1> >& last) {
#pragma HLS INLINE
    constexpr int IN_BEATS = (FRAME_BITS + DMA_W - 1) / DMA_W;
    constexpr int OUT_BEATS = (FRAME_BITS + OUT_W - 1) / OUT_W;
    ap_uint<DMA_W + OUT_W> buf = 0;
    ap_uint<1> l = 0;
    int have = 0, left = IN_BEATS;
    for (int o = 0; o < OUT_BEATS; o++) {
        while (have < OUT_W && left > 0) {
#pragma HLS PIPELINE II=1
            const ap_axiu<DMA_W, 0, 0, 0> x = in.read();
            buf |= ap_uint<DMA_W + OUT_W>(x.data) << have;
            l = x.last;
            have += DMA_W;
            left--;
        }
        out.write(ap_uint<OUT_W>(buf.range(OUT_W - 1, 0)));
        buf >>= OUT_W;
        have = have > OUT_W ? have - OUT_W : 0;
    }
    last.write(l);
}

template <int IN_W, int DMA_W, int FRAME_BITS>
void axis_out(hls::stream<ap_uint<IN_W> >& in, hls::stream<ap_axiu<DMA_W, 0, 0, 0> >& out,
              hls::stream<ap_uint<1> >& last) {
#pragma HLS INLINE
    constexpr int IN_BEATS = (FRAME_BITS + IN_W - 1) / IN_W;
    constexpr int OUT_BEATS = (FRAME_BITS + DMA_W - 1) / DMA_W;
    ap_uint<IN_W + DMA_W> buf = 0;
    int have = 0, left = IN_BEATS;
    const ap_uint<1> l = last.read();
    for (int o = 0; o < OUT_BEATS; o++) {
        while (have < DMA_W && left > 0) {
#pragma HLS PIPELINE II=1
            const ap_uint<IN_W> x = in.read();
            buf |= ap_uint<IN_W + DMA_W>(x) << have;
            have += IN_W;
            left--;
        }
        ap_axiu<DMA_W, 0, 0, 0> w;
        w.data = buf.range(DMA_W - 1, 0);
        w.keep = -1;
        w.strb = -1;
        w.last = o == OUT_BEATS - 1 ? l : ap_uint<1>(0);
        out.write(w);
        buf >>= DMA_W;
        have = have > DMA_W ? have - DMA_W : 0;
    }
}

}  // namespace hwgen

#endif  // HWGEN_LAYERS_H

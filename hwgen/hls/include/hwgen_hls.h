// hwgen_hls.h: arbitrary-precision integers and streams for hwgen's generated HLS C++.
//
// With the vendor headers present (Vitis HLS: <ap_int.h>, <hls_stream.h>, <ap_axi_sdata.h>) this
// file includes them. Without them (plain g++ for C simulation) it defines a small portable
// stand-in written for hwgen, covering only the subset the generated code uses:
//
//   ap_int<W> / ap_uint<W>   W in [1, AP_INT_MAX_W]; values kept exact (two's complement)
//     construction from any integer type or any ap_(u)int (sign- or zero-extends, truncates)
//     a + b, a - b   exact: width max(W1', W2') + 1, signed if either is (a - b: always signed),
//                    where an unsigned operand next to a signed one counts one bit wider
//     a * b          exact: width W1 + W2, signed if either is
//     a & b, a | b, a ^ b   width max(W1', W2'); ~a, -a (width W + 1, signed)
//     a << n, a >> n same type as a (bits shifted out are lost; >> is arithmetic when signed)
//     += -= *= &= |= ^= <<= >>=   compute exactly, then truncate to the left operand
//     == != < <= > >=   mathematical comparison of the two values (any widths, any signs)
//     a[i] (read), a.range(hi, lo) (read as ap_uint<W>, zero-extended; assign from integer or
//     ap_(u)int), to_int/to_uint/to_int64/to_uint64, length()
//   hls::stream<T>           read(), write(), empty(), full(), size(); unbounded (as in csim)
//   ap_axiu<D, 0, 0, 0>      data, keep, strb, last
// These are the vendor semantics for the same expressions, so a design checked with g++ here
// behaves the same under vitis_hls csim. Define HWGEN_PORTABLE to force the stand-in.
#ifndef HWGEN_HLS_H
#define HWGEN_HLS_H

#if defined(__has_include) && !defined(HWGEN_PORTABLE)
#if __has_include(<ap_int.h>) && __has_include(<hls_stream.h>) && __has_include(<ap_axi_sdata.h>)
#define HWGEN_VENDOR_HEADERS 1
#endif
#endif

#ifdef HWGEN_VENDOR_HEADERS
#include <ap_axi_sdata.h>
#include <ap_int.h>
#include <hls_stream.h>
#else

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <type_traits>

#ifndef AP_INT_MAX_W
#define AP_INT_MAX_W 1024
#endif

namespace hwgen_ap_detail {
constexpr int max_i(int a, int b) { return a > b ? a : b; }
// Width of a + b (before the carry bit) and of a & b, with the vendor's rule for mixed signs.
constexpr int join_w(int w1, bool s1, int w2, bool s2) {
    return max_i(w1 + (!s1 && s2 ? 1 : 0), w2 + (!s2 && s1 ? 1 : 0));
}
[[noreturn]] inline void fail(const char* what) {
    std::fprintf(stderr, "hwgen_hls.h: %s\n", what);
    std::abort();
}
}  // namespace hwgen_ap_detail

template <int W, bool S> class hwgen_ap;
template <int W, bool S> class hwgen_range;

template <int W, bool S>
class hwgen_ap {
    static_assert(W >= 1, "ap_int width must be at least 1");
    static_assert(W <= AP_INT_MAX_W, "ap_int width exceeds AP_INT_MAX_W: define it larger");

  public:
    static constexpr int NW = (W + 63) / 64;  // 64-bit words
    // Words, least significant first; bits above W always hold the sign (signed) or 0.
    uint64_t v[NW] = {};

    constexpr hwgen_ap() {}
    template <typename T, typename std::enable_if<std::is_integral<T>::value, int>::type = 0>
    constexpr hwgen_ap(T x) {
        const bool neg = std::is_signed<T>::value && x < 0;
        v[0] = static_cast<uint64_t>(static_cast<long long>(x));
        if (!std::is_signed<T>::value) v[0] = static_cast<uint64_t>(x);
        for (int i = 1; i < NW; i++) v[i] = neg ? ~uint64_t(0) : 0;
        norm();
    }
    template <int W2, bool S2>
    constexpr hwgen_ap(const hwgen_ap<W2, S2>& o) {
        const uint64_t ext = o.negative() ? ~uint64_t(0) : 0;
        for (int i = 0; i < NW; i++) v[i] = i < hwgen_ap<W2, S2>::NW ? o.v[i] : ext;
        norm();
    }
    template <int W2, bool S2>
    hwgen_ap(const hwgen_range<W2, S2>& r) : hwgen_ap(r.get()) {}

    // Restore the invariant: sign- or zero-extend bit W-1 through the top word.
    constexpr void norm() {
        const int top = W % 64;
        if (top == 0) return;
        const uint64_t mask = (uint64_t(1) << top) - 1;
        if (S && ((v[NW - 1] >> (top - 1)) & 1))
            v[NW - 1] |= ~mask;
        else
            v[NW - 1] &= mask;
    }
    constexpr bool negative() const { return S && (v[NW - 1] >> 63) != 0; }
    static constexpr int length() { return W; }

    bool operator[](int i) const {
        if (i < 0 || i >= W) hwgen_ap_detail::fail("bit index out of range");
        return (v[i / 64] >> (i % 64)) & 1;
    }
    hwgen_range<W, S> range(int hi, int lo) const {
        if (lo < 0 || hi < lo || hi >= W) hwgen_ap_detail::fail("range(hi, lo) out of bounds");
        return hwgen_range<W, S>(const_cast<hwgen_ap*>(this), hi, lo);
    }
    long long to_int64() const { return static_cast<long long>(v[0]); }
    unsigned long long to_uint64() const { return v[0]; }
    int to_int() const { return static_cast<int>(static_cast<long long>(v[0])); }
    unsigned to_uint() const { return static_cast<unsigned>(v[0]); }

    // Shifts keep the type. Shifting by >= W gives 0 (or all sign bits for >> of a negative).
    hwgen_ap operator<<(int n) const {
        if (n < 0) hwgen_ap_detail::fail("negative shift");
        hwgen_ap r;
        const int wq = n / 64, b = n % 64;
        for (int i = NW - 1; i >= 0; i--) {
            uint64_t x = 0;
            if (i - wq >= 0) x = v[i - wq] << b;
            if (b && i - wq - 1 >= 0) x |= v[i - wq - 1] >> (64 - b);
            r.v[i] = x;
        }
        r.norm();
        return r;
    }
    hwgen_ap operator>>(int n) const {
        if (n < 0) hwgen_ap_detail::fail("negative shift");
        hwgen_ap r;
        const uint64_t ext = negative() ? ~uint64_t(0) : 0;
        const int wq = n / 64, b = n % 64;
        for (int i = 0; i < NW; i++) {
            const int j = i + wq;
            const uint64_t lo = j < NW ? v[j] : ext, hi = j + 1 < NW ? v[j + 1] : ext;
            r.v[i] = b ? (lo >> b) | (hi << (64 - b)) : lo;
        }
        r.norm();
        return r;
    }
    hwgen_ap& operator<<=(int n) { return *this = *this << n; }
    hwgen_ap& operator>>=(int n) { return *this = *this >> n; }

    hwgen_ap operator~() const {
        hwgen_ap r;
        for (int i = 0; i < NW; i++) r.v[i] = ~v[i];
        r.norm();
        return r;
    }
    hwgen_ap<W + 1, true> operator-() const { return hwgen_ap<W + 1, true>(0) - *this; }

#define HWGEN_AP_COMPOUND(op)                                          \
    template <typename T>                                              \
    hwgen_ap& operator op##=(const T& o) {                             \
        return *this = hwgen_ap(*this op o);                           \
    }
    HWGEN_AP_COMPOUND(+)
    HWGEN_AP_COMPOUND(-)
    HWGEN_AP_COMPOUND(*)
    HWGEN_AP_COMPOUND(&)
    HWGEN_AP_COMPOUND(|)
    HWGEN_AP_COMPOUND(^)
#undef HWGEN_AP_COMPOUND
};

// A slice a.range(hi, lo): reads as ap_uint<W> (zero-extended), assignable.
template <int W, bool S>
class hwgen_range {
  public:
    hwgen_range(hwgen_ap<W, S>* p, int hi, int lo) : p_(p), hi_(hi), lo_(lo) {}
    hwgen_ap<W, false> get() const {
        hwgen_ap<W, false> x(*p_);
        x = x >> lo_;
        const hwgen_ap<W, false> ones = ~hwgen_ap<W, false>(0);
        return x & (ones >> (W - 1 - (hi_ - lo_)));
    }
    template <int W2, bool S2>
    hwgen_range& operator=(const hwgen_ap<W2, S2>& o) {
        const hwgen_ap<W, false> ones = ~hwgen_ap<W, false>(0);
        const hwgen_ap<W, false> mask = (ones >> (W - 1 - (hi_ - lo_))) << lo_;
        hwgen_ap<W, false> val = hwgen_ap<W, false>(o) << lo_;
        hwgen_ap<W, false> cur(*p_);
        cur = (cur & ~mask) | (val & mask);
        *p_ = hwgen_ap<W, S>(cur);
        return *this;
    }
    template <typename T, typename std::enable_if<std::is_integral<T>::value, int>::type = 0>
    hwgen_range& operator=(T x) { return *this = hwgen_ap<64, std::is_signed<T>::value>(x); }
    hwgen_range& operator=(const hwgen_range& o) { return *this = o.get(); }
    int length() const { return hi_ - lo_ + 1; }
    unsigned long long to_uint64() const { return get().to_uint64(); }
    unsigned to_uint() const { return get().to_uint(); }

  private:
    hwgen_ap<W, S>* p_;
    int hi_, lo_;
};

namespace hwgen_ap_detail {
template <int W1, bool S1, int W2, bool S2>
struct rtype {
    static constexpr bool S = S1 || S2;
    static constexpr int J = join_w(W1, S1, W2, S2);
    typedef hwgen_ap<J + 1, S> plus;
    typedef hwgen_ap<J + 1, true> minus;
    typedef hwgen_ap<W1 + W2, S> mult;
    typedef hwgen_ap<J, S> logic;
};
template <typename T> struct of_int {  // the ap type a C++ integer behaves as
    typedef hwgen_ap<64, std::is_signed<T>::value> type;
};
template <> struct of_int<bool> { typedef hwgen_ap<1, false> type; };
}  // namespace hwgen_ap_detail

template <int W1, bool S1, int W2, bool S2>
typename hwgen_ap_detail::rtype<W1, S1, W2, S2>::plus operator+(const hwgen_ap<W1, S1>& a,
                                                                const hwgen_ap<W2, S2>& b) {
    typedef typename hwgen_ap_detail::rtype<W1, S1, W2, S2>::plus R;
    R x(a), y(b), r;
    unsigned __int128 c = 0;
    for (int i = 0; i < R::NW; i++) {
        c += static_cast<unsigned __int128>(x.v[i]) + y.v[i];
        r.v[i] = static_cast<uint64_t>(c);
        c >>= 64;
    }
    r.norm();
    return r;
}
template <int W1, bool S1, int W2, bool S2>
typename hwgen_ap_detail::rtype<W1, S1, W2, S2>::minus operator-(const hwgen_ap<W1, S1>& a,
                                                                 const hwgen_ap<W2, S2>& b) {
    typedef typename hwgen_ap_detail::rtype<W1, S1, W2, S2>::minus R;
    R x(a), y(b), r;
    unsigned __int128 c = 1;  // x + ~y + 1
    for (int i = 0; i < R::NW; i++) {
        c += static_cast<unsigned __int128>(x.v[i]) + ~y.v[i];
        r.v[i] = static_cast<uint64_t>(c);
        c >>= 64;
    }
    r.norm();
    return r;
}
template <int W1, bool S1, int W2, bool S2>
typename hwgen_ap_detail::rtype<W1, S1, W2, S2>::mult operator*(const hwgen_ap<W1, S1>& a,
                                                                const hwgen_ap<W2, S2>& b) {
    typedef typename hwgen_ap_detail::rtype<W1, S1, W2, S2>::mult R;
    R x(a), y(b), r;  // two's complement product modulo 2^(64 NW): exact after norm()
    for (int i = 0; i < R::NW; i++) {
        unsigned __int128 c = 0;
        for (int j = 0; i + j < R::NW; j++) {
            c += static_cast<unsigned __int128>(x.v[i]) * y.v[j] + r.v[i + j];
            r.v[i + j] = static_cast<uint64_t>(c);
            c >>= 64;
        }
    }
    r.norm();
    return r;
}
#define HWGEN_AP_LOGIC(op)                                                                   \
    template <int W1, bool S1, int W2, bool S2>                                              \
    typename hwgen_ap_detail::rtype<W1, S1, W2, S2>::logic operator op(                      \
        const hwgen_ap<W1, S1>& a, const hwgen_ap<W2, S2>& b) {                              \
        typedef typename hwgen_ap_detail::rtype<W1, S1, W2, S2>::logic R;                    \
        R x(a), y(b), r;                                                                     \
        for (int i = 0; i < R::NW; i++) r.v[i] = x.v[i] op y.v[i];                           \
        r.norm();                                                                            \
        return r;                                                                            \
    }
HWGEN_AP_LOGIC(&)
HWGEN_AP_LOGIC(|)
HWGEN_AP_LOGIC(^)
#undef HWGEN_AP_LOGIC

// -1, 0, +1 as a compares with b (mathematical values).
template <int W1, bool S1, int W2, bool S2>
int hwgen_ap_cmp(const hwgen_ap<W1, S1>& a, const hwgen_ap<W2, S2>& b) {
    typedef typename hwgen_ap_detail::rtype<W1, S1, W2, S2>::logic R;
    const R x(a), y(b);
    const bool nx = x.negative(), ny = y.negative();
    if (nx != ny) return nx ? -1 : 1;
    for (int i = R::NW - 1; i >= 0; i--)
        if (x.v[i] != y.v[i]) return x.v[i] < y.v[i] ? -1 : 1;
    return 0;
}

// Mixed operations with C++ integers: the integer acts as a 64-bit ap_(u)int.
#define HWGEN_AP_MIXED(op)                                                                   \
    template <int W, bool S, typename T,                                                     \
              typename std::enable_if<std::is_integral<T>::value, int>::type = 0>            \
    auto operator op(const hwgen_ap<W, S>& a, T b)                                           \
        ->decltype(a op typename hwgen_ap_detail::of_int<T>::type(b)) {                      \
        return a op typename hwgen_ap_detail::of_int<T>::type(b);                            \
    }                                                                                        \
    template <int W, bool S, typename T,                                                     \
              typename std::enable_if<std::is_integral<T>::value, int>::type = 0>            \
    auto operator op(T a, const hwgen_ap<W, S>& b)                                           \
        ->decltype(typename hwgen_ap_detail::of_int<T>::type(a) op b) {                      \
        return typename hwgen_ap_detail::of_int<T>::type(a) op b;                            \
    }
HWGEN_AP_MIXED(+)
HWGEN_AP_MIXED(-)
HWGEN_AP_MIXED(*)
HWGEN_AP_MIXED(&)
HWGEN_AP_MIXED(|)
HWGEN_AP_MIXED(^)
#undef HWGEN_AP_MIXED

#define HWGEN_AP_CMP(op)                                                                     \
    template <int W1, bool S1, int W2, bool S2>                                              \
    bool operator op(const hwgen_ap<W1, S1>& a, const hwgen_ap<W2, S2>& b) {                 \
        return hwgen_ap_cmp(a, b) op 0;                                                      \
    }                                                                                        \
    template <int W, bool S, typename T,                                                     \
              typename std::enable_if<std::is_integral<T>::value, int>::type = 0>            \
    bool operator op(const hwgen_ap<W, S>& a, T b) {                                         \
        return hwgen_ap_cmp(a, typename hwgen_ap_detail::of_int<T>::type(b)) op 0;           \
    }                                                                                        \
    template <int W, bool S, typename T,                                                     \
              typename std::enable_if<std::is_integral<T>::value, int>::type = 0>            \
    bool operator op(T a, const hwgen_ap<W, S>& b) {                                         \
        return hwgen_ap_cmp(typename hwgen_ap_detail::of_int<T>::type(a), b) op 0;           \
    }
HWGEN_AP_CMP(==)
HWGEN_AP_CMP(!=)
HWGEN_AP_CMP(<)
HWGEN_AP_CMP(<=)
HWGEN_AP_CMP(>)
HWGEN_AP_CMP(>=)
#undef HWGEN_AP_CMP

template <int W> using ap_int = hwgen_ap<W, true>;
template <int W> using ap_uint = hwgen_ap<W, false>;

namespace hls {
// An unbounded FIFO, as streams behave in C simulation; reading an empty stream is an error.
template <typename T>
class stream {
  public:
    stream() {}
    explicit stream(const char* name) : name_(name) {}
    stream(const stream&) = delete;
    stream& operator=(const stream&) = delete;
    T read() {
        if (q_.empty()) {
            std::fprintf(stderr, "hwgen_hls.h: read from empty stream %s\n", name_);
            std::abort();
        }
        T x = q_.front();
        q_.pop_front();
        return x;
    }
    void read(T& x) { x = read(); }
    void write(const T& x) { q_.push_back(x); }
    bool empty() const { return q_.empty(); }
    bool full() const { return false; }
    unsigned size() const { return static_cast<unsigned>(q_.size()); }

  private:
    std::deque<T> q_;
    const char* name_ = "(unnamed)";
};
}  // namespace hls

template <int D, int U, int TI, int TD>
struct ap_axiu {
    static_assert(U == 0 && TI == 0 && TD == 0, "hwgen_hls.h: only ap_axiu<D, 0, 0, 0>");
    ap_uint<D> data;
    ap_uint<(D + 7) / 8> keep;
    ap_uint<(D + 7) / 8> strb;
    ap_uint<1> last;
};

#endif  // HWGEN_VENDOR_HEADERS
#endif  // HWGEN_HLS_H

// Fused recurrent cell math: one time step of an RNN, LSTM (optionally with peepholes) or
// GRU, forward and backward, on raw arrays. The matrix products (x W_ih^T, h W_hh^T and
// their backward) are not here: the caller runs them with kernels::gemm and hands in the
// pre-activations, so a whole sequence costs one input GEMM plus one small GEMM per step.
//
// Shape letters: B batch rows, H hidden size, G gates per cell (RNN 1, LSTM 4, GRU 3).
// A gate block is [B, G*H] row-major with the gates side by side in PyTorch's order:
// LSTM i, f, g, o; GRU r, z, n. Every other array is [B, H]. Peepholes are [3, H] (i, f, o).
//
// A clamped gate's activation is the constant given, and no gradient reaches its
// pre-activation (for intervention experiments: "what if the forget gate were 0").
//
//   // one LSTM step, pre = x W_ih^T + b_ih + h_prev W_hh^T + b_hh   [B, 4H]
//   kernels::lstm_cell_forward(B, H, pre, c_prev, nullptr, nullptr, act, c, h);
#pragma once

#include <cstdint>

#include "tensor/scalar.h"

GRADLAB_BEGIN
namespace kernels {

// Per gate slot (the gate's index in the block: LSTM i=0 f=1 g=2 o=3, GRU r=0 z=1).
struct GateClamps {
  bool on[4] = {false, false, false, false};
  Scalar value[4] = {0, 0, 0, 0};
  bool any() const { return on[0] || on[1] || on[2] || on[3]; }
};

#define GRADLAB_CELL_KERNEL_LIST                                                                                      \
  /* RNN: h = tanh(pre) or relu(pre).  pre, h: [B, H]; h may alias pre */                                             \
  void rnn_cell_forward(std::int64_t B, std::int64_t H, bool relu, const Scalar* pre, Scalar* h);                     \
  /* dpre = dh * act'(pre), written through h (tanh: 1 - h^2; relu: [h > 0]); dpre may alias dh */                    \
  void rnn_cell_backward(std::int64_t B, std::int64_t H, bool relu, const Scalar* h, const Scalar* dh, Scalar* dpre); \
  /* LSTM: i = s(pre_i + p_i c_prev), f = s(pre_f + p_f c_prev), g = tanh(pre_g),                                     \
     c = f c_prev + i g, o = s(pre_o + p_o c), h = o tanh(c)   (s = sigmoid; p = peephole or 0).                      \
     gates_pre, gates_act: [B, 4H] (may alias); peephole: [3, H] or nullptr; clamps or nullptr.                       \
     tanh_c: [B, H] receives tanh(c), the values h used (nullptr: not kept). */                                       \
  void lstm_cell_forward(std::int64_t B, std::int64_t H, const Scalar* gates_pre, const Scalar* c_prev,               \
                         const Scalar* peephole, const GateClamps* clamps, Scalar* gates_act, Scalar* c, Scalar* h,   \
                         Scalar* tanh_c = nullptr);                                                                   \
  /* LSTM backward of one step. dh: total dL/dh_t [B, H]; dc: dL/dc_t from step t+1 [B, H].                           \
     Writes dgates_pre [B, 4H] and dc_prev [B, H] (may alias dc); adds into dpeephole [3, H]                          \
     (nullptr without peepholes). The caller adds dgates_pre W_hh into dh_prev. tanh_c: the forward's                 \
     tanh(c) [B, H], read instead of computed again (nullptr: computed; the same values either way). */               \
  void lstm_cell_backward(std::int64_t B, std::int64_t H, const Scalar* gates_act, const Scalar* c_prev,              \
                          const Scalar* c, const Scalar* peephole, const GateClamps* clamps, const Scalar* dh,        \
                          const Scalar* dc, Scalar* dgates_pre, Scalar* dc_prev, Scalar* dpeephole,                   \
                          const Scalar* tanh_c = nullptr);                                                            \
  /* GRU: r = s(gx_r + gh_r), z = s(gx_z + gh_z), n = tanh(gx_n + r gh_n), h = (1 - z) n + z h_prev.                  \
     gx = x W_ih^T + b_ih, gh = h_prev W_hh^T + b_hh: [B, 3H]. Writes gates_act [B, 3H] (r, z, n;                     \
     may alias gx), hn = gh_n [B, H] (kept for backward) and h [B, H]. */                                             \
  void gru_cell_forward(std::int64_t B, std::int64_t H, const Scalar* gx, const Scalar* gh, const Scalar* h_prev,     \
                        const GateClamps* clamps, Scalar* gates_act, Scalar* hn, Scalar* h);                          \
  /* GRU backward of one step. dh: total dL/dh_t. Writes dgx [B, 3H] (= dL/d(gx)), dgh [B, 3H]                        \
     (= dL/d(gh)) and dh_prev = dh z [B, H]; the caller adds dgh W_hh into dh_prev. dgh's r and z                     \
     columns are dgx's values exactly (the GRU's bias gradients rely on it). */                                       \
  void gru_cell_backward(std::int64_t B, std::int64_t H, const Scalar* gates_act, const Scalar* hn,                   \
                         const Scalar* h_prev, const GateClamps* clamps, const Scalar* dh, Scalar* dgx, Scalar* dgh,  \
                         Scalar* dh_prev);                                                                            \
  /* acc[c] += in[r * ld + c] for r = 0 .. R-1 in order, in double, c < C (bias gradients; in is [R, ld],             \
     ld >= C): every backend adds each column's rows in the same order, so their sums agree bit for bit */            \
  void add_column_sums(std::int64_t R, std::int64_t C, const Scalar* in, std::int64_t ld, double* acc);

namespace ref {
GRADLAB_CELL_KERNEL_LIST
}  // namespace ref

namespace native {
GRADLAB_CELL_KERNEL_LIST
}  // namespace native

namespace simd128 {
GRADLAB_CELL_KERNEL_LIST
}  // namespace simd128

// The unqualified cell kernels: the variant chosen at build time (as kernels.cpp).
#if defined(__wasm_simd128__) && !(defined(GRADLAB_SIMD128_KERNELS) && GRADLAB_SIMD128_KERNELS == 0)
namespace cells_backend = simd128;
#elif defined(GRADLAB_NATIVE_KERNELS) && GRADLAB_NATIVE_KERNELS
namespace cells_backend = native;
#else
namespace cells_backend = ref;
#endif

inline void rnn_cell_forward(std::int64_t B, std::int64_t H, bool relu, const Scalar* pre, Scalar* h) {
  cells_backend::rnn_cell_forward(B, H, relu, pre, h);
}
inline void rnn_cell_backward(std::int64_t B, std::int64_t H, bool relu, const Scalar* h, const Scalar* dh,
                              Scalar* dpre) {
  cells_backend::rnn_cell_backward(B, H, relu, h, dh, dpre);
}
inline void lstm_cell_forward(std::int64_t B, std::int64_t H, const Scalar* gates_pre, const Scalar* c_prev,
                              const Scalar* peephole, const GateClamps* clamps, Scalar* gates_act, Scalar* c, Scalar* h,
                              Scalar* tanh_c = nullptr) {
  cells_backend::lstm_cell_forward(B, H, gates_pre, c_prev, peephole, clamps, gates_act, c, h, tanh_c);
}
inline void lstm_cell_backward(std::int64_t B, std::int64_t H, const Scalar* gates_act, const Scalar* c_prev,
                               const Scalar* c, const Scalar* peephole, const GateClamps* clamps, const Scalar* dh,
                               const Scalar* dc, Scalar* dgates_pre, Scalar* dc_prev, Scalar* dpeephole,
                               const Scalar* tanh_c = nullptr) {
  cells_backend::lstm_cell_backward(B, H, gates_act, c_prev, c, peephole, clamps, dh, dc, dgates_pre, dc_prev,
                                    dpeephole, tanh_c);
}
inline void gru_cell_forward(std::int64_t B, std::int64_t H, const Scalar* gx, const Scalar* gh, const Scalar* h_prev,
                             const GateClamps* clamps, Scalar* gates_act, Scalar* hn, Scalar* h) {
  cells_backend::gru_cell_forward(B, H, gx, gh, h_prev, clamps, gates_act, hn, h);
}
inline void gru_cell_backward(std::int64_t B, std::int64_t H, const Scalar* gates_act, const Scalar* hn,
                              const Scalar* h_prev, const GateClamps* clamps, const Scalar* dh, Scalar* dgx,
                              Scalar* dgh, Scalar* dh_prev) {
  cells_backend::gru_cell_backward(B, H, gates_act, hn, h_prev, clamps, dh, dgx, dgh, dh_prev);
}
inline void add_column_sums(std::int64_t R, std::int64_t C, const Scalar* in, std::int64_t ld, double* acc) {
  cells_backend::add_column_sums(R, C, in, ld, acc);
}

}  // namespace kernels
GRADLAB_END

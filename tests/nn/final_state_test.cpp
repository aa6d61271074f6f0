// FinalState (nn/layers.h): a recurrent layer's h_n read from its output. It must equal the
// layer's own final states (h_n of the last layer, both directions), differ from LastStep
// in the reverse half, equal LastStep for one direction, and pass the gradient check.
#include "nn/layers.h"
#include "nn/recurrent.h"

#include <cmath>

#include "support/check.h"

namespace gradlab {
namespace {

using test::weighted_sum;
constexpr std::int64_t B = 2, T = 4, I = 3, H = 5;

RecurrentOptions opts(CellKind kind, bool bidirectional, int layers = 1) {
  RecurrentOptions o;
  o.kind = kind;
  o.input_size = I;
  o.hidden_size = H;
  o.num_layers = layers;
  o.bidirectional = bidirectional;
  return o;
}

// h_n row `row` ([B, H]) against columns [col, col + H) of y [B, D*H].
void expect_rows_equal(const Tensor& y, std::int64_t col, const Tensor& h_n, std::int64_t row) {
  const std::int64_t width = y.dim(1);
  for (std::int64_t b = 0; b < B; ++b)
    for (std::int64_t j = 0; j < H; ++j)
      EXPECT_EQ(y[b * width + col + j], h_n[(row * B + b) * H + j]) << "b " << b << " j " << j << " (h_n row " << row << ")";
}

TEST(FinalState, EqualsTheRecurrentLayersOwnHn) {
  for (CellKind kind : {CellKind::RnnTanh, CellKind::Lstm, CellKind::Gru}) {
    for (int layers : {1, 2}) {
      SCOPED_TRACE("kind " + std::to_string(static_cast<int>(kind)) + ", layers " + std::to_string(layers));
      Rng rng(7);
      Recurrent r(opts(kind, /*bidirectional=*/true, layers), rng);
      const Var x(rng.uniform_tensor({B, T, I}, -1, 1));
      const RecurrentOutput out = r.forward_full(x);  // h_n [L*D, B, H]
      FinalState fs(H, true);
      const Tensor y = fs.forward(out.output).value();
      ASSERT_EQ(y.shape(), (Shape{B, 2 * H}));
      const std::int64_t last = layers - 1;
      expect_rows_equal(y, 0, out.h_n.value(), last * 2 + 0);  // forward direction after t = T-1
      expect_rows_equal(y, H, out.h_n.value(), last * 2 + 1);  // reverse direction after t = 0
    }
  }
}

TEST(FinalState, DiffersFromLastStepInTheReverseHalfOnly) {
  Rng rng(3);
  Recurrent r(opts(CellKind::Lstm, true), rng);
  const Var out = r.forward(Var(rng.uniform_tensor({B, T, I}, -1, 1)));
  const Tensor fs = FinalState(H, true).forward(out).value();
  const Tensor ls = LastStep().forward(out).value();
  double reverse_diff = 0;
  for (std::int64_t b = 0; b < B; ++b)
    for (std::int64_t j = 0; j < 2 * H; ++j) {
      if (j < H) EXPECT_EQ(fs[b * 2 * H + j], ls[b * 2 * H + j]);
      else reverse_diff += std::fabs(static_cast<double>(fs[b * 2 * H + j]) - static_cast<double>(ls[b * 2 * H + j]));
    }
  EXPECT_GT(reverse_diff, 1e-3);  // last_step's reverse half has read one token, final_state's all T
}

TEST(FinalState, OneDirectionIsLastStep) {
  Rng rng(4);
  Recurrent r(opts(CellKind::Gru, false), rng);
  const RecurrentOutput out = r.forward_full(Var(rng.uniform_tensor({B, T, I}, -1, 1)));
  const Tensor fs = FinalState(H, false).forward(out.output).value();
  const Tensor ls = LastStep().forward(out.output).value();
  ASSERT_EQ(fs.shape(), (Shape{B, H}));
  for (std::int64_t i = 0; i < fs.numel(); ++i) EXPECT_EQ(fs[i], ls[i]);
  expect_rows_equal(fs, 0, out.h_n.value(), 0);
}

TEST(FinalState, Gradcheck) {
  Rng rng(11);
  const Var x = test::random_var(rng, {B, T, 2 * H});
  FinalState fs(H, true);
  EXPECT_GRADCHECK([&] { return weighted_sum(fs.forward(x)); }, {x});
  // Through a bidirectional LSTM: the gradient reaches the reverse direction's whole sequence.
  Recurrent r(opts(CellKind::Lstm, true), rng);
  const Var xs = test::random_var(rng, {B, T, I});
  auto params = r.parameters();
  params.push_back(xs);
  EXPECT_GRADCHECK([&] { return weighted_sum(fs.forward(r.forward(xs))); }, params);
}

TEST(FinalState, RejectsWhatIsNotARecurrentOutput) {
  FinalState fs(H, true);
  EXPECT_MESSAGE_HAS(fs.output_shape({B, T, H}), "FinalState", "[batch, time, 2*5]", "[2, 4, 5]");
  EXPECT_MESSAGE_HAS(fs.output_shape({B, 2 * H}), "FinalState", "[2, 10]");
  EXPECT_MESSAGE_HAS(FinalState(0, false), "hidden_size");
}

}  // namespace
}  // namespace gradlab

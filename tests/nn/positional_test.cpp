// Positional encodings: sinusoid values pinned by the formula (numbers from Python's
// math module, arithmetic in comments), adding to x, gradients, and length/shape errors.
#include "nn/positional.h"

#include "ops/ops.h"
#include "support/check.h"

namespace gradlab {
namespace {

using test::message_of;

// Float tables are rounded to float; double ones are exact to the last few ulps.
constexpr double kTol = sizeof(Scalar) == 8 ? 1e-11 : 1e-6;

TEST(SinusoidalPositionalEncoding, ValuesFollowTheFormula) {
  SinusoidalPositionalEncoding pe(50, 6);
  const Tensor& t = pe.table();
  ASSERT_EQ(t.shape(), (Shape{50, 6}));
  for (std::int64_t c = 0; c < 6; ++c) EXPECT_EQ(t.at({0, c}), Scalar(c % 2 == 0 ? 0 : 1));  // sin 0, cos 0
  EXPECT_NEAR(t.at({1, 0}), 0.841470984808, kTol);   // sin(1 / 10000^0) = sin 1
  EXPECT_NEAR(t.at({1, 1}), 0.540302305868, kTol);   // cos 1
  // 2i = 2: 10000^(2/6) = 21.5443469003; 3 / 21.5443469003 = 0.139247665008
  EXPECT_NEAR(t.at({3, 2}), 0.13879810108, kTol);    // sin 0.139247665008
  EXPECT_NEAR(t.at({3, 3}), 0.990320699136, kTol);   // cos 0.139247665008
  // column 5 = 2i + 1 with 2i = 4: 10000^(4/6) = 464.158883361; 10 / 464.158883361 = 0.0215443469003
  EXPECT_NEAR(t.at({10, 5}), 0.999767929535, kTol);  // cos 0.0215443469003
}

TEST(SinusoidalPositionalEncoding, OddWidthEndsWithASineColumn) {
  SinusoidalPositionalEncoding pe(8, 5);
  // column 4 = 2i with 2i = 4: 10000^(4/5) = 1584.89319246; 7 / 1584.89319246 = 0.00441670141136
  EXPECT_NEAR(pe.table().at({7, 4}), 0.00441668705176, kTol);  // sin 0.00441670141136
  // column 3 = 2i + 1 with 2i = 2: 10000^(2/5) = 39.8107170553; 2 / 39.8107170553 = 0.0502377286302
  EXPECT_NEAR(pe.table().at({2, 3}), 0.998738350693, kTol);    // cos 0.0502377286302
}

TEST(SinusoidalPositionalEncoding, AddsTheFirstTRowsToEveryBatchItem) {
  SinusoidalPositionalEncoding pe(10, 4);
  EXPECT_TRUE(pe.named_parameters().empty());
  EXPECT_TRUE(pe.named_buffers().empty());
  Rng rng(1);
  Var x = test::random_var(rng, {2, 3, 4});
  Var y = pe.forward(x);
  ASSERT_EQ(y.shape(), (Shape{2, 3, 4}));
  for (std::int64_t b = 0; b < 2; ++b)
    for (std::int64_t t = 0; t < 3; ++t)
      for (std::int64_t d = 0; d < 4; ++d)
        EXPECT_EQ(y.value().at({b, t, d}), Scalar(x.value().at({b, t, d}) + pe.table().at({t, d})));
  EXPECT_GRADCHECK([&] { return test::weighted_sum(tanh(pe.forward(x))); }, {x});
}

TEST(LearnedPositionalEncoding, WeightIsAParameterAddedByPosition) {
  Rng rng(2);
  LearnedPositionalEncoding pe(6, 3, rng);
  auto params = pe.named_parameters();
  ASSERT_EQ(params.size(), 1u);
  EXPECT_EQ(params[0].first, "weight");
  EXPECT_EQ(params[0].second.shape(), (Shape{6, 3}));
  pe.load_state({{"weight", Tensor::from({6, 3}, {0, 1, 2, 10, 11, 12, 20, 21, 22, 0, 0, 0, 0, 0, 0, 0, 0, 0})}});
  Var x(Tensor::full({2, 2, 3}, 0.5));
  EXPECT_EQ(pe.forward(x).value().to_vector(),
            (std::vector<Scalar>{0.5, 1.5, 2.5, 10.5, 11.5, 12.5, 0.5, 1.5, 2.5, 10.5, 11.5, 12.5}));
}

TEST(LearnedPositionalEncoding, GradcheckAndUnusedRowsGetZero) {
  Rng rng(3);
  LearnedPositionalEncoding pe(5, 4, rng);
  pe.assign_names("pos.");
  Var x = test::random_var(rng, {2, 3, 4});
  EXPECT_GRADCHECK([&] { return test::weighted_sum(tanh(pe.forward(x))); }, {pe.weight(), x});
  pe.zero_grad();
  sum(pe.forward(x)).backward();
  const Tensor& g = pe.weight().grad();
  for (std::int64_t d = 0; d < 4; ++d) {
    EXPECT_EQ(g.at({0, d}), Scalar(2));  // one per batch item
    EXPECT_EQ(g.at({3, d}), Scalar(0));  // positions 3, 4 are past T = 3
    EXPECT_EQ(g.at({4, d}), Scalar(0));
  }
}

TEST(PositionalEncodingErrors, TooLongWrongWidthWrongRank) {
  Rng rng(4);
  SinusoidalPositionalEncoding sin_pe(4, 6);
  LearnedPositionalEncoding learned(4, 6, rng);
  std::string m = message_of([&] { sin_pe.forward(Var(Tensor({1, 5, 6}))); });
  EXPECT_NE(m.find("SinusoidalPositionalEncoding(max_len=4, dim=6)"), std::string::npos) << m;
  EXPECT_NE(m.find("sequence length 5"), std::string::npos) << m;
  EXPECT_NE(m.find("exceeds max_len 4"), std::string::npos) << m;
  m = message_of([&] { learned.forward(Var(Tensor({2, 7, 6}))); });
  EXPECT_NE(m.find("LearnedPositionalEncoding(max_len=4, dim=6)"), std::string::npos) << m;
  EXPECT_NE(m.find("sequence length 7"), std::string::npos) << m;
  m = message_of([&] { learned.output_shape({2, 3, 5}); });
  EXPECT_NE(m.find("feature size 5, expected 6"), std::string::npos) << m;
  m = message_of([&] { sin_pe.output_shape({3, 6}); });
  EXPECT_NE(m.find("expects input [batch, time, 6], got [3, 6]"), std::string::npos) << m;
  EXPECT_EQ(sin_pe.output_shape({2, 4, 6}), (Shape{2, 4, 6}));
  m = message_of([&] { SinusoidalPositionalEncoding(0, 6); });
  EXPECT_NE(m.find("must be positive"), std::string::npos) << m;
}

}  // namespace
}  // namespace gradlab

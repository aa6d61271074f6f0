// What the web playground asks of the session facade beyond training: spec validation
// without building, the dataset catalog, the data itself, sampling text, predictions of
// sequence models, one GAN player at a time, raw parameter values, and live updates of a
// running experiment that resume bit for bit from their checkpoints.
#include <gtest/gtest.h>

#include "support/files.h"

#include <cmath>
#include <fstream>
#include <sstream>

#include "session/session.h"
#include "data/dataset.h"
#include "session/validate.h"

namespace gradlab {
namespace {

using nlohmann::json;

using test::example;

json example_json(const std::string& name) { return json::parse(example(name)); }

const char* kCharLm = R"({"version": 1, "seed": 2,
  "data": {"dataset": "char_lm", "options": {"n_samples": 200, "seq_len": 16}},
  "model": {"layers": [{"type": "embedding", "num_embeddings": VOCAB, "embedding_dim": 8},
                       {"type": "gru", "input_size": 8, "hidden_size": 16},
                       {"type": "linear", "in": 16, "out": VOCAB}]},
  "loss": {"type": "cross_entropy"}, "optimizer": {"type": "adam", "lr": 0.01},
  "training": {"steps": 10, "batch_size": 16}})";

std::string char_lm_spec() {
  DatasetOptions o;
  o.n_samples = 200;
  o.seq_len = 16;
  o.seed = 2;
  const auto V = make_dataset("char_lm", o).vocab.size();
  std::string s = kCharLm;
  for (auto pos = s.find("VOCAB"); pos != std::string::npos; pos = s.find("VOCAB")) s.replace(pos, 5, std::to_string(V));
  return s;
}

// ---- validate -------------------------------------------------------------------------

TEST(Validate, SequentialSpecGivesLayersShapesAndTheModelSize) {
  const json r = validate_spec(example("xor.json"));
  ASSERT_TRUE(r["ok"].get<bool>()) << r.dump();
  EXPECT_TRUE(r["issues"].empty());
  EXPECT_EQ(r["input_shape"], json::array({32, 2}));
  ASSERT_EQ(r["layers"].size(), 3u);
  EXPECT_EQ(r["layers"][0]["pointer"], "/model/layers/0");
  EXPECT_EQ(r["layers"][0]["output"], json::array({32, 8}));
  EXPECT_EQ(r["layers"][0]["parameters"], 24);
  EXPECT_EQ(r["layers"][2]["output"], json::array({32, 2}));
  EXPECT_EQ(r["total_parameters"], Session(example("xor.json")).total_params());
}

TEST(Validate, TotalsMatchTheBuiltModelForEveryKind) {
  for (const char* name : {"adding-lstm.json", "dates-attention.json", "gan-ring-minimax.json", "gan-ring-wgan-gp.json"}) {
    const json r = validate_spec(example(name));
    ASSERT_TRUE(r["ok"].get<bool>()) << name << ": " << r.dump();
    EXPECT_EQ(r["total_parameters"].get<std::int64_t>(), Session(example(name)).total_params()) << name;
  }
  const json gan = validate_spec(example("gan-ring-minimax.json"));
  EXPECT_EQ(gan["layers"][0]["pointer"], "/model/generator/layers/0");
  EXPECT_EQ(gan["input_shape"], json::array({32, 8}));
  EXPECT_EQ(gan["layers"].back()["pointer"], "/model/discriminator/layers/6");
  const json s2s = validate_spec(example("dates-attention.json"));
  EXPECT_EQ(s2s["layers"][0]["pointer"], "/model/encoder/embedding");
}

TEST(Validate, ReportsEveryProblemAtOnceAndNeverThrows) {
  json spec = example_json("xor.json");
  spec["optimizer"]["lr"] = -1;
  spec["model"]["layers"][1]["type"] = "tanhh";
  spec["training"]["batch_size"] = 0;
  const json r = validate_spec(spec.dump());
  EXPECT_FALSE(r["ok"].get<bool>());
  std::vector<std::string> pointers;
  for (const auto& i : r["issues"]) pointers.push_back(i["pointer"]);
  EXPECT_NE(std::find(pointers.begin(), pointers.end(), "/optimizer/lr"), pointers.end()) << r.dump();
  EXPECT_NE(std::find(pointers.begin(), pointers.end(), "/model/layers/1/type"), pointers.end()) << r.dump();
  EXPECT_NE(std::find(pointers.begin(), pointers.end(), "/training/batch_size"), pointers.end()) << r.dump();
  EXPECT_TRUE(r["input_shape"].is_null());
}

TEST(Validate, ShapeProblemsNameTheLayerAndInvalidJsonItsPosition) {
  json spec = example_json("xor.json");
  spec["model"]["layers"][2]["in"] = 7;
  const json r = validate_spec(spec.dump());
  ASSERT_EQ(r["issues"].size(), 1u) << r.dump();
  EXPECT_EQ(r["issues"][0]["pointer"], "/model/layers/2/in");
  EXPECT_EQ(r["input_shape"], json::array({32, 2}));
  EXPECT_EQ(r["layers"].size(), 2u);  // the layers before the one that does not fit

  const json bad = validate_spec("{\"version\": 1,\n  oops}");
  ASSERT_EQ(bad["issues"].size(), 1u);
  EXPECT_EQ(bad["issues"][0]["pointer"], "");
  EXPECT_NE(bad["issues"][0]["message"].get<std::string>().find("line 2, column 3"), std::string::npos) << bad.dump();

  json data = example_json("xor.json");
  data["data"]["options"]["seq_len"] = 5;
  const json d = validate_spec(data.dump());
  ASSERT_FALSE(d["ok"].get<bool>());
  EXPECT_EQ(d["issues"][0]["pointer"], "/data/options/seq_len");
}

TEST(Validate, ModelsThatAreTooBigAreRefusedWithoutAllocating) {
  json spec = example_json("xor.json");
  // 2 -> 4096 -> 4096 -> 4096 -> 2: about 33.6 million parameters.
  spec["model"]["layers"] = json::array({{{"type", "linear"}, {"in", 2}, {"out", 4096}},
                                         {{"type", "linear"}, {"in", 4096}, {"out", 4096}},
                                         {{"type", "linear"}, {"in", 4096}, {"out", 4096}},
                                         {{"type", "linear"}, {"in", 4096}, {"out", 2}}});
  const json r = validate_spec(spec.dump());
  ASSERT_FALSE(r["ok"].get<bool>());
  EXPECT_EQ(r["issues"][0]["pointer"], "/model/layers");
  EXPECT_GT(r["total_parameters"].get<std::int64_t>(), kMaxParameters);
}

// An embedding smaller than the data's vocabulary used to fail at the first step with the
// op's message ("index ... out of range") and no place; now validate and the Session refuse
// it at the layer's num_embeddings, with the same words.
TEST(Validate, AnEmbeddingSmallerThanTheVocabularyIsRefusedAtItsNumEmbeddings) {
  const auto next_word = [](int rows) {
    return json{{"version", 1}, {"seed", 1},
                {"data", {{"dataset", "next_word"}, {"options", {{"n_context", 2}}}}},
                {"model", {{"layers", json::array({{{"type", "embedding"}, {"num_embeddings", rows}, {"embedding_dim", 4}},
                                                   {{"type", "flatten"}},
                                                   {{"type", "linear"}, {"in", 8}, {"out", 371}}})}}},
                {"loss", {{"type", "cross_entropy"}}}, {"optimizer", {{"type", "sgd"}, {"lr", 0.1}}},
                {"training", {{"steps", 1}, {"batch_size", 8}}}};
  };
  const std::int64_t vocab = make_dataset("next_word", [] { DatasetOptions o; o.n_context = 2; return o; }()).vocab.size();
  ASSERT_GT(vocab, 5);
  const json small = next_word(5);
  const json r = validate_spec(small.dump());
  ASSERT_FALSE(r["ok"].get<bool>());
  ASSERT_EQ(r["issues"].size(), 1u);
  EXPECT_EQ(r["issues"][0]["pointer"], "/model/layers/0/num_embeddings");
  const std::string message = r["issues"][0]["message"];
  EXPECT_NE(message.find("vocabulary has " + std::to_string(vocab) + " tokens"), std::string::npos) << message;
  try {
    Session session(small.dump());
    FAIL() << "expected a SpecError";
  } catch (const SpecError& e) {
    ASSERT_EQ(e.issues().size(), 1u);
    EXPECT_EQ(e.issues()[0].pointer, "/model/layers/0/num_embeddings");
    EXPECT_EQ(e.issues()[0].message, message);  // the same words in validate and the Session
  }
  // One row per token is enough, and trains.
  const json enough = next_word(static_cast<int>(vocab));
  EXPECT_TRUE(validate_spec(enough.dump())["ok"].get<bool>()) << validate_spec(enough.dump()).dump();
  Session fits(enough.dump());
  EXPECT_TRUE(fits.step()["loss"].is_number());

  // An explicit batch: the largest id decides, and an id that is not a whole number >= 0 is
  // an error at /data/batch/inputs.
  json batch = enough;
  batch["data"] = {{"batch", {{"inputs", json::array({json::array({0, 7}), json::array({3, 2})})}, {"targets", json::array({1, 2})}}}};
  batch["model"]["layers"][0]["num_embeddings"] = 7;
  const json b = validate_spec(batch.dump());
  ASSERT_FALSE(b["ok"].get<bool>());
  EXPECT_EQ(b["issues"][0]["pointer"], "/model/layers/0/num_embeddings");
  EXPECT_NE(b["issues"][0]["message"].get<std::string>().find("token id 7; num_embeddings must be at least 8"), std::string::npos)
      << b.dump();
  batch["model"]["layers"][0]["num_embeddings"] = 8;
  EXPECT_TRUE(validate_spec(batch.dump())["ok"].get<bool>()) << validate_spec(batch.dump()).dump();
  batch["data"]["batch"]["inputs"][1][0] = 1.5;
  const json f = validate_spec(batch.dump());
  ASSERT_FALSE(f["ok"].get<bool>());
  EXPECT_EQ(f["issues"][0]["pointer"], "/data/batch/inputs");
  EXPECT_NE(f["issues"][0]["message"].get<std::string>().find("found 1.5"), std::string::npos) << f.dump();
}

TEST(Datasets, CatalogListsEveryDatasetWithTypedOptions) {
  const json d = datasets_json();
  ASSERT_GT(d.size(), 20u);
  bool saw_spiral = false, saw_csv = false;
  for (const auto& e : d) {
    EXPECT_TRUE(e["name"].is_string() && e["task"].is_string() && e["description"].is_string());
    for (const auto& o : e["options"]) {
      const std::string t = o["type"];
      EXPECT_TRUE(t == "int" || t == "number" || t == "string" || t == "number[]" || t == "points") << t;
      if (t == "int" || t == "number") {
        EXPECT_LE(o["min"].get<double>(), o["default"].get<double>()) << e["name"] << " " << o["name"];
        EXPECT_GE(o["max"].get<double>(), o["default"].get<double>()) << e["name"] << " " << o["name"];
      }
    }
    if (e["name"] == "spiral") {
      saw_spiral = true;
      EXPECT_EQ(e["task"], "classification");
      bool classes = false;
      for (const auto& o : e["options"])
        if (o["name"] == "num_classes") classes = o["type"] == "int" && o["default"] == 2 && o["max"] == 10;
      EXPECT_TRUE(classes) << e.dump();
    }
    if (e["name"] == "csv") saw_csv = e["task"] == "auto";
  }
  EXPECT_TRUE(saw_spiral && saw_csv);
}

// ---- data, sample, predictions ---------------------------------------------------------

TEST(SessionData, GivesTheFirstRowsWithShapesAndVocabularies) {
  Session s(example("xor.json"));
  const DataView v = s.data("train", 10);
  EXPECT_EQ(v.task, "classification");
  EXPECT_EQ(v.input_shape, (Shape{10, 2}));
  EXPECT_EQ(v.target_shape, (Shape{10}));
  EXPECT_EQ(v.inputs.size(), 20u);
  EXPECT_EQ(v.total_rows, 320);
  EXPECT_TRUE(v.source_vocab.empty());
  EXPECT_EQ(s.data("test", 1000).input_shape, (Shape{80, 2}));
  EXPECT_THROW(s.data("validation", 10), std::invalid_argument);

  Session dates(example("dates-attention.json"));
  const DataView t = dates.data("test", 3);
  EXPECT_EQ(t.task, "seq2seq");
  EXPECT_EQ(t.input_shape[0], 3);
  EXPECT_EQ(t.source_vocab[0], "<pad>");
  EXPECT_EQ(t.target_vocab[2], "<eos>");
  EXPECT_NE(t.source_vocab, t.target_vocab);
}

TEST(SessionSample, CharLmGeneratesFromThePromptGreedyIsDeterministic) {
  Session s(char_lm_spec());
  s.train(10);
  const json a = s.sample({"the ", 40, 0, 1});
  const json b = s.sample({"the ", 40, 0, 99});  // greedy: the seed does not matter
  EXPECT_EQ(a["tokens"].size(), 40u);
  EXPECT_EQ(a["text"].get<std::string>().size(), 40u);
  EXPECT_EQ(a, b);
  EXPECT_EQ(a["prompt_tokens"], json::array({"t", "h", "e", " "}));
  const json c = s.sample({"", 30, 1.0, 5});
  EXPECT_EQ(c, s.sample({"", 30, 1.0, 5}));
  EXPECT_NE(c, s.sample({"", 30, 1.0, 6}));
  try {
    s.sample({"The \u00e9Q", 5, 1, 0});
    FAIL();
  } catch (const std::invalid_argument& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("\"T\""), std::string::npos) << m;
    EXPECT_NE(m.find("\"Q\""), std::string::npos) << m;
  }
  EXPECT_THROW(s.sample({"a", 0, 1, 0}), std::invalid_argument);
  EXPECT_THROW(s.sample({"a", 5, -1, 0}), std::invalid_argument);
}

TEST(SessionSample, OnlyLanguageModelsSample) {
  Session s(example("xor.json"));
  try {
    s.sample({});
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("only a language model"), std::string::npos) << e.what();
  }
}

TEST(SessionPredictions, SequenceModelsShowEightExamples) {
  Session s(example("adding-lstm.json"));
  const auto names = s.snapshot_names();
  ASSERT_NE(std::find(names.begin(), names.end(), "predictions"), names.end());
  const json p = s.snapshot("predictions");
  EXPECT_EQ(p["split"], "test");
  EXPECT_EQ(p["kind"], "values");
  ASSERT_EQ(p["examples"].size(), 8u);
  EXPECT_EQ(p["examples"][0]["input"].size(), 50u);     // [T, 2]
  EXPECT_EQ(p["examples"][0]["input"][0].size(), 2u);
  EXPECT_EQ(p["examples"][0]["target"].size(), 1u);     // [1]
  EXPECT_EQ(p["examples"][0]["prediction"].size(), 1u);

  Session lm(char_lm_spec());
  const json q = lm.snapshot("predictions");
  EXPECT_EQ(q["kind"], "classes");
  EXPECT_EQ(q["examples"][0]["prediction"].size(), 16u);
  EXPECT_EQ(q["examples"][0]["input_tokens"].size(), 16u);
  EXPECT_TRUE(q["examples"][0]["accuracy"].is_number());

  Session dates(example("dates-attention.json"));
  const json d = dates.snapshot("predictions");
  EXPECT_EQ(d["kind"], "tokens");
  EXPECT_EQ(d["examples"].size(), 8u);
  EXPECT_TRUE(d["examples"][0]["correct"].is_boolean());
  EXPECT_FALSE(d["examples"][0]["input_tokens"].empty());

  Session xor_s(example("xor.json"));
  const auto xn = xor_s.snapshot_names();
  EXPECT_EQ(std::find(xn.begin(), xn.end(), "predictions"), xn.end());
}

// ---- raw values --------------------------------------------------------------------------

TEST(SessionValues, ParameterValuesAndGradientsMatchTheJson) {
  Session s(example("xor.json"));
  s.train(3);
  const json ck = json::parse(s.checkpoint_json());
  const auto values = s.parameter_values();
  ASSERT_EQ(values.size(), 4u);
  EXPECT_EQ(values[0].first, "layers.0.weight");
  for (const auto& [name, t] : values)
    for (std::int64_t i = 0; i < t.numel(); ++i) EXPECT_EQ(static_cast<double>(t[i]), ck["parameters"][name]["data"][i].get<double>());
  const json g = json::parse(s.grad_json());
  const auto grads = s.gradients();
  ASSERT_EQ(grads.size(), 4u);
  for (const auto& [name, t] : grads)
    for (std::int64_t i = 0; i < t.numel(); ++i) EXPECT_EQ(static_cast<double>(t[i]), g["gradients"][name]["data"][i].get<double>());
}

// ---- GAN players -----------------------------------------------------------------------

TEST(SessionGan, OnePlayerAtATimeAndArrowsInTheCriticField) {
  Session s(example("gan-ring-minimax.json"));
  const json d = s.step_player("discriminator");
  EXPECT_EQ(d["critic_updates"], 1);
  EXPECT_EQ(d["step"], 0);
  EXPECT_TRUE(d["g_loss"].is_null());
  const json g = s.step_player("generator");
  EXPECT_EQ(g["step"], 1);
  EXPECT_EQ(g["critic_updates"], 1);
  EXPECT_TRUE(g["g_loss"].is_number());
  EXPECT_EQ(s.steps_done(), 1);
  EXPECT_THROW(s.step_player("critic"), std::invalid_argument);
  Session xor_s(example("xor.json"));
  EXPECT_THROW(xor_s.step_player("generator"), std::invalid_argument);

  const json f = s.snapshot("critic_field");
  EXPECT_EQ(f["generated"]["shape"], json::array({64, 2}));
  EXPECT_EQ(f["generator_gradients"]["shape"], json::array({64, 2}));
  double norm = 0;
  for (const auto& v : f["generator_gradients"]["data"]) norm += std::abs(v.get<double>());
  EXPECT_GT(norm, 0);

  // Stepping players by hand is resumable like step().
  Session resumed = Session::from_checkpoint(s.checkpoint_json());
  EXPECT_EQ(s.step().dump(), resumed.step().dump());
}

// ---- update ----------------------------------------------------------------------------

std::string with(const json& spec, const std::function<void(json&)>& edit) {
  json j = spec;
  edit(j);
  return j.dump();
}

TEST(SessionUpdate, LearningRateChangeResumesBitForBitFromItsCheckpoint) {
  const json xor_spec = example_json("xor.json");
  Session s(xor_spec.dump());
  s.train(5);
  const auto applied = s.update(with(xor_spec, [](json& j) { j["optimizer"]["lr"] = 0.05; j["optimizer"]["momentum"] = 0.5; }));
  EXPECT_EQ(applied, (std::vector<std::string>{"/optimizer/lr", "/optimizer/momentum"}));
  EXPECT_EQ(s.steps_done(), 5);
  EXPECT_EQ(s.spec().optimizer.config["lr"], 0.05);
  const auto m = s.train(4);
  EXPECT_EQ(m.back()["lr"], 0.05);
  const std::string ck = s.checkpoint_json();
  EXPECT_EQ(json::parse(ck)["spec"]["optimizer"]["lr"], 0.05);
  Session resumed = Session::from_checkpoint(ck);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(s.step().dump(), resumed.step().dump()) << "step " << i;
  EXPECT_EQ(s.checkpoint_json(), resumed.checkpoint_json());
}

TEST(SessionUpdate, TheUpdatedSessionIsTheOneThatNeverStopped) {
  // Training k steps, updating, training on equals the checkpoint at step k with the new
  // spec loaded into a fresh session.
  const json spec = example_json("adding-lstm.json");
  const std::string next = with(spec, [](json& j) {
    j["optimizer"]["lr"] = 0.002;
    j["training"]["clip_grad_norm"] = 0.5;
    j["training"]["batch_size"] = 16;
    j["training"]["steps"] = 50;
  });
  Session a(spec.dump());
  a.train(3);
  json ck = json::parse(a.checkpoint_json());
  a.update(next);
  ck["spec"] = json::parse(next);
  Session b = Session::from_checkpoint(ck.dump());
  for (int i = 0; i < 3; ++i) EXPECT_EQ(a.step().dump(), b.step().dump()) << "step " << i;
  EXPECT_EQ(a.planned_steps(), 50);
}

TEST(SessionUpdate, OptimizerTypeChangeKeepsParametersAndTruncatedBpttCanBeTurnedOn) {
  const json spec = example_json("adding-lstm.json");
  Session s(spec.dump());
  s.train(2);
  const auto before = s.parameter_values();
  EXPECT_EQ(s.update(with(spec, [](json& j) { j["optimizer"] = {{"type", "rmsprop"}, {"lr", 0.001}}; })).size(), 2u);
  const auto after = s.parameter_values();
  for (std::size_t k = 0; k < before.size(); ++k)
    for (std::int64_t i = 0; i < before[k].second.numel(); ++i) EXPECT_EQ(before[k].second[i], after[k].second[i]);
  s.train(1);
  const json seq = example_json("xor.json");
  Session plain(seq.dump());
  plain.train(2);
  // SGD momentum on -> off -> on: slots dropped and refilled.
  plain.update(with(seq, [](json& j) { j["optimizer"]["momentum"] = 0; }));
  plain.train(1);
  plain.update(with(seq, [](json& j) { j["optimizer"] = {{"type", "rmsprop"}, {"lr", 0.01}, {"centered", true}, {"momentum", 0.9}}; }));
  plain.train(1);
  plain.update(with(seq, [](json& j) { j["optimizer"] = {{"type", "rmsprop"}, {"lr", 0.01}}; }));
  plain.train(1);
  EXPECT_EQ(plain.steps_done(), 5);
}

TEST(SessionUpdate, ModelDataSeedAndLossChangesNeedAResetAndChangeNothing) {
  const json spec = example_json("xor.json");
  Session s(spec.dump());
  s.train(2);
  const std::string ck = s.checkpoint_json();
  try {
    s.update(with(spec, [](json& j) {
      j["seed"] = 9;
      j["model"]["layers"][0]["out"] = 16;
      j["loss"]["type"] = "mse";
      j["optimizer"]["lr"] = 0.01;
    }));
    FAIL() << "expected NeedsReset";
  } catch (const NeedsReset& e) {
    EXPECT_EQ(e.pointers(), (std::vector<std::string>{"/loss/type", "/model/layers/0/out", "/seed"}));
    EXPECT_NE(std::string(e.what()).find("/model/layers/0/out"), std::string::npos);
  }
  EXPECT_EQ(s.checkpoint_json(), ck);
  EXPECT_THROW(s.update(with(spec, [](json& j) { j["optimizer"]["lr"] = -1; })), SpecError);
  EXPECT_EQ(s.checkpoint_json(), ck);
  EXPECT_TRUE(s.update(spec.dump()).empty());
  EXPECT_EQ(s.checkpoint_json(), ck);
}

TEST(SessionUpdate, GanPlayersOptimizersAndSeq2SeqLearningRate) {
  const json gan = example_json("gan-ring-minimax.json");
  Session g(gan.dump());
  g.train(2);
  const auto applied = g.update(with(gan, [](json& j) {
    j["model"]["generator_optimizer"]["lr"] = 0.0005;
    j["model"]["critic_steps"] = 2;
  }));
  EXPECT_EQ(applied.size(), 2u);
  const json m = g.step();
  EXPECT_EQ(m["critic_updates"], 12);
  Session resumed = Session::from_checkpoint(g.checkpoint_json());
  EXPECT_EQ(g.step().dump(), resumed.step().dump());
  EXPECT_THROW(g.update(with(gan, [](json& j) { j["model"]["loss"] = "wgan"; })), NeedsReset);

  const json dates = example_json("dates-attention.json");
  Session d(dates.dump());
  d.train(1);
  d.update(with(dates, [](json& j) { j["optimizer"]["lr"] = 0.001; }));
  EXPECT_EQ(d.step()["lr"], 0.001);
  EXPECT_THROW(d.update(with(dates, [](json& j) { j["model"]["hidden_size"] = 8; })), NeedsReset);
}

}  // namespace
}  // namespace gradlab

// The model kinds beside "sequential": an encoder-decoder with attention ("seq2seq"), a
// generator/critic pair ("gan") and a DDPM on 2-D points ("diffusion"). Fields, defaults and ranges; the trainers check the
// combinations again when they are built.
#include "spec/spec_internal.h"

GRADLAB_BEGIN

void parse_seq2seq_model(Reader& r, nlohmann::json& c) {
  c["embed_dim"] = r.integer("embed_dim", 1, 4096, 32);
  c["hidden_size"] = r.integer("hidden_size", 1, 4096, 64);
  c["num_layers"] = r.integer("num_layers", 1, 8, 1);
  c["cell"] = r.one_of("cell", {"gru", "lstm"}, "gru");
  c["bidirectional"] = r.boolean("bidirectional", true);
  c["attention"] = r.one_of("attention", {"dot", "general", "additive"}, "general");
  c["attn_dim"] = r.integer("attn_dim", 0, 4096, 0);
  c["teacher_forcing"] = r.number("teacher_forcing", 0, 1, 1.0);
  c["max_decode_len"] = r.integer("max_decode_len", 0, 1024, 0);
}

namespace {
const std::vector<std::string> kActivations = {"tanh", "sigmoid", "relu", "leaky_relu", "gelu"};

std::vector<std::int64_t> hidden_list(Reader& r, const std::string& key, std::vector<SpecIssue>& issues) {
  std::vector<std::int64_t> sizes = {64, 64, 64};
  const auto* a = r.array(key, false);
  if (!a) return sizes;
  sizes.clear();
  if (a->size() > 8) r.issue(key, "at most 8 hidden layers, found " + std::to_string(a->size()));
  for (std::size_t i = 0; i < a->size(); ++i) {
    const auto& v = (*a)[i];
    if (!v.is_number_integer() || v.get<std::int64_t>() < 1 || v.get<std::int64_t>() > 4096) {
      issues.push_back({r.at(key) + "/" + std::to_string(i), "expected a layer width from 1 to 4096, found " + describe(v)});
      continue;
    }
    sizes.push_back(v.get<std::int64_t>());
  }
  return sizes;
}

nlohmann::json player_optimizer(Reader& top, const std::string& key, std::vector<SpecIssue>& issues) {
  nlohmann::json c = nlohmann::json::object();
  const auto* j = top.object(key, false);
  if (!j) return c;
  Reader r(*j, top.at(key), issues);
  if (r.has("type")) c["type"] = r.one_of("type", {"sgd", "adam", "adamw", "rmsprop", "adagrad"});
  if (r.has("lr")) c["lr"] = r.number("lr", 0, 1e3, std::nullopt, true);
  if (const auto* b = r.array("betas", false)) {
    if (b->size() != 2 || !(*b)[0].is_number() || !(*b)[1].is_number() || (*b)[0].get<double>() < 0 || (*b)[0].get<double>() >= 1 ||
        (*b)[1].get<double>() < 0 || (*b)[1].get<double>() >= 1)
      r.issue("betas", "expected two numbers in [0, 1), like [0.5, 0.9]; found " + describe(*b));
    else
      c["betas"] = *b;
  }
  c["weight_decay"] = r.number("weight_decay", 0, 1e3, 0.0);
  r.finish();
  return c;
}
}  // namespace

void parse_gan_model(Reader& r, nlohmann::json& c, std::vector<SpecIssue>& issues) {
  c["loss"] = r.one_of("loss", {"minimax", "non_saturating", "least_squares", "wgan", "wgan_gp"}, "non_saturating");
  c["noise_dim"] = r.integer("noise_dim", 1, 1024, 8);
  c["noise"] = r.one_of("noise", {"normal", "uniform"}, "normal");
  c["generator_hidden"] = hidden_list(r, "generator_hidden", issues);
  c["discriminator_hidden"] = hidden_list(r, "discriminator_hidden", issues);
  c["generator_activation"] = r.one_of("generator_activation", kActivations, "relu");
  c["discriminator_activation"] = r.one_of("discriminator_activation", kActivations, "relu");
  c["leaky_relu_slope"] = r.number("leaky_relu_slope", 0, 0.999, 0.2);
  if (r.has("critic_steps")) c["critic_steps"] = r.integer("critic_steps", 1, 100);
  c["clip_value"] = r.number("clip_value", 0, 1e3, 0.01, true);
  c["gp_lambda"] = r.number("gp_lambda", 0, 1e4, 10.0);
  c["generator_optimizer"] = player_optimizer(r, "generator_optimizer", issues);
  c["discriminator_optimizer"] = player_optimizer(r, "discriminator_optimizer", issues);
}

// The DDPM's fields. The linear schedule's defaults are Ho et al.'s 1e-4 .. 0.02 for
// T = 1000, scaled by 1000 / T (as improved-diffusion does) so abar_T stays near 0 for
// short chains, and capped below 1.
void parse_diffusion_model(Reader& r, nlohmann::json& c) {
  const std::int64_t T = r.integer("timesteps", 2, 1000, 100);
  c["timesteps"] = T;
  c["beta_schedule"] = r.one_of("beta_schedule", {"linear", "cosine"}, "linear");
  if (c["beta_schedule"] == "linear") {
    const double scale = 1000.0 / static_cast<double>(T);
    const double start = r.number("beta_start", 0, 1, std::min(1e-4 * scale, 0.999), true);
    const double end = r.number("beta_end", 0, 1, std::min(0.02 * scale, 0.999), true);
    if (start >= 1) r.issue("beta_start", "must be below 1, found " + format_g(start));
    if (end >= 1) r.issue("beta_end", "must be below 1, found " + format_g(end));
    else if (start > end)
      r.issue("beta_end", "must be at least beta_start (" + format_g(start) + "), found " + format_g(end));
    c["beta_start"] = start;
    c["beta_end"] = end;
  } else {
    for (const char* key : {"beta_start", "beta_end"})
      if (r.raw(key))
        r.issue(key, "the cosine schedule derives beta_t from abar_t (Nichol & Dhariwal 2021) and takes no " +
                         std::string(key) + "; remove it or use \"beta_schedule\": \"linear\"");
  }
  const std::int64_t E = r.integer("time_embed_dim", 2, 1024, 16);
  if (E % 2 != 0) r.issue("time_embed_dim", "must be even (half sines, half cosines), found " + std::to_string(E));
  c["time_embed_dim"] = E;
  c["variance"] = r.one_of("variance", {"posterior", "beta"}, "posterior");
}

GRADLAB_END

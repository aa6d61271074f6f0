// Layer entries of a spec: their fields, defaults and ranges, and shape inference with
// parameter counts, all without building a layer.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "nn/conv.h"
#include "nn/init.h"
#include "spec/spec.h"
#include "spec/spec_internal.h"

GRADLAB_BEGIN

namespace {
constexpr std::int64_t kMaxSize = 1 << 16;
const std::vector<std::string> kActivations = {"tanh", "sigmoid", "relu", "leaky_relu", "gelu", "softmax", "log_softmax"};
const std::vector<std::string> kRecurrent = {"rnn", "lstm", "gru"};
const std::vector<std::string> kInits = {"default", "uniform", "normal", "xavier_uniform", "xavier_normal",
                                         "kaiming_uniform", "kaiming_normal", "orthogonal"};

bool is_one_of(const std::string& s, const std::vector<std::string>& v) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// The scale fields each initialiser takes (torch.nn.init's arguments, as init_<name>).
const std::vector<std::string> kInitScaleFields = {"init_std", "init_bound", "init_gain", "init_a", "init_mode", "init_nonlinearity"};
std::vector<std::string> scale_fields_of(const std::string& init) {
  if (init == "normal") return {"init_std"};
  if (init == "uniform") return {"init_bound"};
  if (init == "xavier_uniform" || init == "xavier_normal" || init == "orthogonal") return {"init_gain"};
  if (init == "kaiming_uniform" || init == "kaiming_normal") return {"init_a", "init_mode", "init_nonlinearity"};
  return {};
}
// The initialiser a scale field belongs to, for messages.
std::string inits_taking(const std::string& field) {
  std::vector<std::string> names;
  for (const auto& n : kInits)
    if (is_one_of(field, scale_fields_of(n))) names.push_back("\"" + n + "\"");
  return join(names, " or ");
}
}  // namespace

const std::vector<std::string>& init_names() { return kInits; }

void parse_init_scale(Reader& r, nlohmann::json& c) {
  for (const char* k : {"init_std", "init_bound", "init_gain"})
    if (r.has(k)) c[k] = r.number(k, 0, 100, 0.0);
  if (r.has("init_a")) c["init_a"] = r.number("init_a", 0, 100, 0.0);
  if (r.has("init_mode")) c["init_mode"] = r.one_of("init_mode", {"fan_in", "fan_out"}, "fan_in");
  if (r.has("init_nonlinearity")) c["init_nonlinearity"] = r.one_of("init_nonlinearity", init::gain_nonlinearities(), "leaky_relu");
}

InitChoice effective_init(const LayerSpec& layer, const InitChoice& model) {
  const auto& c = layer.config;
  const bool own = c.contains("init") && c.at("init") != "default";
  InitChoice e;
  e.name = own ? c.at("init").get<std::string>() : model.name;
  if (!own) e.scale = model.scale;  // the model's init comes with the model's scale
  for (const auto& k : kInitScaleFields)
    if (c.contains(k)) e.scale[k] = c.at(k);
  return e;
}

namespace {
// Each scale field given at `pointer` (a layer or the model) must belong to `init`.
void check_scale_fields(const nlohmann::json& fields, const std::string& init, const std::string& pointer, const std::string& whose,
                        std::vector<SpecIssue>& issues) {
  const auto takes = scale_fields_of(init);
  for (const auto& k : kInitScaleFields) {
    if (!fields.contains(k) || is_one_of(k, takes)) continue;
    std::string msg = k + " goes with init " + inits_taking(k) + ", but " + whose;
    if (init.empty()) msg += " uses each layer's PyTorch default init, which has no scale to set (set \"init\")";
    else msg += " is \"" + init + "\", which takes " + (takes.empty() ? std::string("no scale fields") : join(takes));
    issues.push_back({pointer + "/" + k, msg});
  }
}
}  // namespace

void check_init_scales(const std::vector<LayerSpec>& layers, const InitChoice& model, std::vector<SpecIssue>& issues) {
  for (const auto& l : layers) {
    check_init_scales(l.body, model, issues);
    if (!l.config.contains("init")) continue;
    const InitChoice e = effective_init(l, model);
    const bool own = l.config.at("init") != "default";
    check_scale_fields(l.config, e.name, l.pointer,
                       own ? "this layer's init" : model.name.empty() ? "this layer" : "this layer's init (from /model/init)", issues);
    // PyTorch's kaiming_* read `a` only as leaky_relu's negative slope.
    if (l.config.contains("init_a") && e.scale.value("init_nonlinearity", "leaky_relu") != "leaky_relu")
      issues.push_back({l.pointer + "/init_a", "init_a is the negative slope of init_nonlinearity \"leaky_relu\"; with \"" +
                                                   e.scale.at("init_nonlinearity").get<std::string>() + "\" it has no effect (remove it)"});
  }
}

void check_model_init_scale(const InitChoice& model, const std::string& pointer, std::vector<SpecIssue>& issues) {
  check_scale_fields(model.scale, model.name, pointer, "/model/init", issues);
  if (model.scale.contains("init_a") && model.scale.value("init_nonlinearity", "leaky_relu") != "leaky_relu")
    issues.push_back({pointer + "/init_a", "init_a is the negative slope of init_nonlinearity \"leaky_relu\"; with \"" +
                                               model.scale.at("init_nonlinearity").get<std::string>() + "\" it has no effect (remove it)"});
}

void link_final_states(std::vector<LayerSpec>& layers, std::vector<SpecIssue>& issues) {
  for (std::size_t i = 0; i < layers.size(); ++i) {
    LayerSpec& l = layers[i];
    link_final_states(l.body, issues);
    if (l.type != "final_state") continue;
    const LayerSpec* prev = i > 0 ? &layers[i - 1] : nullptr;
    if (!prev || !is_one_of(prev->type, kRecurrent)) {
      issues.push_back({l.pointer, "final_state reads the final hidden states from the output of the recurrent layer (rnn, lstm "
                                   "or gru) directly before it, but " +
                                       (prev ? prev->pointer + " is a \"" + prev->type + "\" layer" : std::string("it is the first layer")) +
                                       " (put it right after the recurrent layer)"});
      continue;
    }
    if (!prev->config.contains("hidden_size") || !prev->config.contains("bidirectional")) continue;  // reported there
    // The width of h: an LSTM's proj_size when it has one.
    const bool proj = prev->config.contains("proj_size") && prev->config.at("proj_size").get<std::int64_t>() > 0;
    l.config["hidden_size"] = prev->config.at(proj ? "proj_size" : "hidden_size");
    l.config["bidirectional"] = prev->config.at("bidirectional");
  }
}

const std::vector<std::string>& layer_types() {
  static const std::vector<std::string> types = [] {
    std::vector<std::string> t = {"linear"};
    t.insert(t.end(), kActivations.begin(), kActivations.end());
    t.insert(t.end(), kRecurrent.begin(), kRecurrent.end());
    for (const char* s : {"last_step", "final_state", "embedding", "flatten", "conv2d", "max_pool2d", "avg_pool2d", "batch_norm1d",
                          "batch_norm2d", "dropout", "residual", "positional", "layer_norm", "multihead_attention",
                          "transformer_encoder_layer", "mean_pool", "unflatten"})
      t.emplace_back(s);
    return t;
  }();
  return types;
}

LayerSpec parse_layer(const nlohmann::json& j, const std::string& pointer, std::vector<SpecIssue>& issues, int depth) {
  LayerSpec layer;
  layer.pointer = pointer;
  Reader r(j, pointer, issues);
  if (!r.ok()) return layer;
  layer.type = r.one_of("type", layer_types());
  nlohmann::json& c = layer.config;
  const std::string& t = layer.type;
  if (t == "linear") {
    c["in"] = r.integer("in", 1, kMaxSize);
    c["out"] = r.integer("out", 1, kMaxSize);
    c["bias"] = r.boolean("bias", true);
    c["init"] = r.one_of("init", kInits, "default");
    parse_init_scale(r, c);
  } else if (t == "leaky_relu") {
    c["slope"] = r.number("slope", 0, 1, 0.01);
  } else if (is_one_of(t, kRecurrent)) {
    c["input_size"] = r.integer("input_size", 1, kMaxSize);
    c["hidden_size"] = r.integer("hidden_size", 1, kMaxSize);
    c["num_layers"] = r.integer("num_layers", 1, 16, 1);
    c["bidirectional"] = r.boolean("bidirectional", false);
    c["bias"] = r.boolean("bias", true);
    c["init"] = r.one_of("init", kInits, "default");
    parse_init_scale(r, c);
    if (t == "rnn") c["nonlinearity"] = r.one_of("nonlinearity", {"tanh", "relu"}, "tanh");
    if (t == "gru") c["reset"] = r.one_of("reset", {"after", "before"}, "after");
    if (t == "lstm") {
      c["peephole"] = r.boolean("peephole", false);
      c["coupled_input_forget"] = r.boolean("coupled_input_forget", false);
      c["proj_size"] = r.integer("proj_size", 0, kMaxSize, 0);
      if (r.has("forget_bias")) c["forget_bias"] = r.number("forget_bias", -100, 100);
      const auto flag = [&](const char* k) { return c.at(k).is_boolean() && c.at(k).get<bool>(); };
      if (flag("coupled_input_forget") && flag("peephole"))
        r.issue("coupled_input_forget", "coupled_input_forget and peephole cannot be combined (choose one)");
      if (flag("coupled_input_forget") && c.contains("forget_bias"))
        r.issue("forget_bias", "a coupled input-forget LSTM has no forget gate of its own (f = 1 - i), so forget_bias "
                               "does not apply (remove it)");
      const auto& hs = c.at("hidden_size");
      const auto& ps = c.at("proj_size");
      if (hs.is_number_integer() && ps.is_number_integer() && ps.get<std::int64_t>() > 0 &&
          ps.get<std::int64_t>() >= hs.get<std::int64_t>())
        r.issue("proj_size", "proj_size must be below hidden_size = " + std::to_string(hs.get<std::int64_t>()) +
                                 " (as PyTorch), got " + std::to_string(ps.get<std::int64_t>()) + "; 0 means no projection");
    }
  } else if (t == "embedding") {
    c["num_embeddings"] = r.integer("num_embeddings", 1, 1 << 20);
    c["embedding_dim"] = r.integer("embedding_dim", 1, kMaxSize);
  } else if (t == "conv2d") {
    c["in_channels"] = r.integer("in_channels", 1, kMaxSize);
    c["out_channels"] = r.integer("out_channels", 1, kMaxSize);
    c["kernel_size"] = r.integer("kernel_size", 1, 64);
    c["stride"] = r.integer("stride", 1, 64, 1);
    c["padding"] = r.integer("padding", 0, 64, 0);
    c["bias"] = r.boolean("bias", true);
    c["init"] = r.one_of("init", kInits, "default");
    parse_init_scale(r, c);
  } else if (t == "unflatten") {
    c["dim"] = r.integer("dim", -8, 8, 1);
    const auto* sizes = r.array("unflattened_size", true);
    if (sizes) {
      nlohmann::json list = nlohmann::json::array();
      int inferred = 0;
      for (const auto& s : *sizes) {
        const bool ok = s.is_number_integer() && (s.get<std::int64_t>() == -1 || (s.get<std::int64_t>() >= 1 && s.get<std::int64_t>() <= kMaxSize));
        if (!ok) {
          r.issue("unflattened_size", "expected sizes from 1 to " + std::to_string(kMaxSize) + " (or -1 once, inferred), found " + describe(*sizes));
          list = nullptr;
          break;
        }
        inferred += s.get<std::int64_t>() == -1;
        list.push_back(s);
      }
      if (list.is_array() && (sizes->empty() || sizes->size() > 6 || inferred > 1)) {
        r.issue("unflattened_size", "expected 1 to 6 sizes with at most one -1, found " + describe(*sizes));
        list = nullptr;
      }
      if (list.is_array()) c["unflattened_size"] = list;
    }
  } else if (t == "max_pool2d" || t == "avg_pool2d") {
    c["kernel_size"] = r.integer("kernel_size", 1, 64);
    c["stride"] = r.integer("stride", 1, 64, c["kernel_size"].get<std::int64_t>());
    c["padding"] = r.integer("padding", 0, 64, 0);
  } else if (t == "batch_norm1d" || t == "batch_norm2d") {
    c["num_features"] = r.integer("num_features", 1, kMaxSize);
    c["momentum"] = r.number("momentum", 0, 1, 0.1);
    c["eps"] = r.number("eps", 0, 1, 1e-5, /*open_lo=*/true);
  } else if (t == "dropout") {
    c["p"] = r.number("p", 0, 0.99, 0.5);
  } else if (t == "positional") {
    c["kind"] = r.one_of("kind", {"sinusoidal", "learned"}, "sinusoidal");
    c["max_len"] = r.integer("max_len", 1, 1 << 16);
    c["dim"] = r.integer("dim", 1, kMaxSize);
  } else if (t == "layer_norm") {
    c["normalized_shape"] = r.integer("normalized_shape", 1, kMaxSize);
    c["eps"] = r.number("eps", 0, 1, 1e-5, /*open_lo=*/true);
    c["elementwise_affine"] = r.boolean("elementwise_affine", true);
  } else if (t == "multihead_attention" || t == "transformer_encoder_layer") {
    const bool mha = t == "multihead_attention";
    const char* width = mha ? "embed_dim" : "d_model";
    const char* heads = mha ? "num_heads" : "nhead";
    c[width] = r.integer(width, 1, kMaxSize);
    c[heads] = r.integer(heads, 1, 64);
    c["causal"] = r.boolean("causal", false);
    c["dropout"] = r.number("dropout", 0, 0.99, 0.0);
    if (!mha) {
      c["dim_feedforward"] = r.integer("dim_feedforward", 1, kMaxSize, 2048);
      c["activation"] = r.one_of("activation", {"relu", "gelu"}, "relu");
      c["norm_first"] = r.boolean("norm_first", false);
      c["layer_norm_eps"] = r.number("layer_norm_eps", 0, 1, 1e-5, /*open_lo=*/true);
    }
    if (c[width].get<std::int64_t>() > 0 && c[heads].get<std::int64_t>() > 0 &&
        c[width].get<std::int64_t>() % c[heads].get<std::int64_t>() != 0)
      r.issue(heads, std::string(width) + " = " + c[width].dump() + " must be divisible by " + heads + " = " + c[heads].dump() +
                         " (each head gets " + width + " / " + heads + " columns); allowed " + heads + " values divide " + c[width].dump());
  } else if (t == "residual") {
    const auto* body = r.array("layers", true);
    if (depth > 8) r.issue("layers", "residual blocks nest at most 8 deep");
    else if (body) {
      if (body->empty()) r.issue("layers", "a residual block needs at least one layer");
      for (std::size_t i = 0; i < body->size(); ++i)
        layer.body.push_back(parse_layer((*body)[i], r.at("layers") + "/" + std::to_string(i), issues, depth + 1));
    }
  }
  r.finish();
  return layer;
}

namespace {
struct Inference {
  std::vector<SpecIssue>& issues;
  std::vector<LayerSummary> out;

  std::optional<Shape> fail(const LayerSpec& l, const std::string& field, const std::string& msg) {
    issues.push_back({field.empty() ? l.pointer : l.pointer + "/" + field, msg});
    return std::nullopt;
  }
  bool need_rank(const LayerSpec& l, const Shape& in, std::size_t rank, const char* layout) {
    if (in.size() == rank) return true;
    fail(l, "", l.type + " expects inputs " + layout + ", but its input has shape " + to_string(in));
    return false;
  }

  // Returns the output shape and appends a summary; on a problem records it and returns {}.
  std::optional<Shape> layer(const LayerSpec& l, const Shape& in) {
    const auto& c = l.config;
    auto i = [&](const char* k) { return c.at(k).get<std::int64_t>(); };
    LayerSummary s{l.pointer, l.type, {}, 0, "no parameters"};
    Shape y = in;
    const std::string& t = l.type;
    double inner_kept = 0, inner_largest = 0;  // a residual block's layers
    if (t.empty()) return std::nullopt;  // its type was already reported
    if (t == "linear") {
      if (in.empty() || in.back() != i("in"))
        return fail(l, "in", "linear expects inputs whose last dimension is in = " + std::to_string(i("in")) +
                                 ", but its input has shape " + to_string(in));
      y.back() = i("out");
      s.parameters = i("out") * i("in") + (c.at("bias").get<bool>() ? i("out") : 0);
      s.formula = "out*in" + std::string(c.at("bias").get<bool>() ? " + out" : "") + " = " + std::to_string(i("out")) +
                  "*" + std::to_string(i("in")) + (c.at("bias").get<bool>() ? " + " + std::to_string(i("out")) : "");
    } else if (is_one_of(t, kRecurrent)) {
      if (!need_rank(l, in, 3, "[batch, time, features]")) return std::nullopt;
      if (in[2] != i("input_size"))
        return fail(l, "input_size", t + " expects " + std::to_string(i("input_size")) + " features per step, but its input has shape " +
                                         to_string(in));
      // value(): seq2seq's summaries build their LSTM configs without the variant fields.
      const bool coupled = t == "lstm" && c.value("coupled_input_forget", false);
      const std::int64_t G = t == "lstm" ? (coupled ? 3 : 4) : t == "gru" ? 3 : 1, H = i("hidden_size"), L = i("num_layers");
      const std::int64_t D = c.at("bidirectional").get<bool>() ? 2 : 1;
      const std::int64_t proj = t == "lstm" ? c.value("proj_size", std::int64_t{0}) : 0;
      const std::int64_t P = proj > 0 ? proj : H;  // the width of h
      const bool bias = c.at("bias").get<bool>();
      const bool peephole = t == "lstm" && c.at("peephole").get<bool>();
      std::int64_t n = 0;
      for (std::int64_t k = 0; k < L; ++k) {
        const std::int64_t Ik = k == 0 ? in[2] : D * P;
        n += D * (G * H * (Ik + P) + (bias ? 2 * G * H : 0) + (peephole ? 3 * H : 0) + (P != H ? P * H : 0));
      }
      s.parameters = n;
      const std::string h = P != H ? "P" : "H";
      s.formula = "per layer and direction: G*H*(I_k + " + h + ")" + std::string(bias ? " + 2*G*H" : "") +
                  (peephole ? " + 3*H" : "") + (P != H ? " + P*H" : "") + " with G = " + std::to_string(G) +
                  (coupled ? " (coupled input-forget gate: rows i, g, o)" : "") + ", H = " + std::to_string(H) +
                  (P != H ? ", P = proj_size = " + std::to_string(P) : "") + ", I_0 = " + std::to_string(in[2]) +
                  (L > 1 ? ", I_k = D*" + h + " = " + std::to_string(D * P) : "") + "; weights are shared across time steps";
      y = {in[0], in[1], D * P};
    } else if (t == "last_step") {
      if (!need_rank(l, in, 3, "[batch, time, features]")) return std::nullopt;
      y = {in[0], in[2]};
    } else if (t == "final_state") {
      if (!c.contains("hidden_size")) return fail(l, "", "final_state needs the recurrent layer directly before it");
      if (!need_rank(l, in, 3, "[batch, time, features]")) return std::nullopt;
      const std::int64_t H = i("hidden_size"), D = c.at("bidirectional").get<bool>() ? 2 : 1;
      if (in[2] != D * H)
        return fail(l, "", "final_state expects the recurrent layer's output [batch, time, D*H = " + std::to_string(D * H) +
                               "], but its input has shape " + to_string(in));
      y = {in[0], D * H};
      s.formula = D == 2 ? "no parameters; h_n of the last layer: [output[:, T-1, :H], output[:, 0, H:]] (forward after the last step, reverse "
                           "after the first) with H = " + std::to_string(H)
                         : "no parameters; h_n of the last layer: output[:, T-1] (one direction, as last_step), H = " + std::to_string(H);
    } else if (t == "embedding") {
      y.push_back(i("embedding_dim"));
      s.parameters = i("num_embeddings") * i("embedding_dim");
      s.formula = "num_embeddings*embedding_dim = " + std::to_string(i("num_embeddings")) + "*" + std::to_string(i("embedding_dim"));
    } else if (t == "flatten") {
      if (in.size() < 2) return fail(l, "", "flatten expects [batch, ...], got " + to_string(in));
      y = {in[0], numel(in) / std::max<std::int64_t>(in[0], 1)};
    } else if (t == "unflatten") {
      if (!c.contains("unflattened_size")) return std::nullopt;  // reported by the parser
      try {
        y = Unflatten(static_cast<int>(i("dim")), c.at("unflattened_size").get<std::vector<std::int64_t>>()).output_shape(in);
      } catch (const std::invalid_argument& e) {
        const std::int64_t d = i("dim") < 0 ? i("dim") + static_cast<std::int64_t>(in.size()) : i("dim");
        return fail(l, d < 1 || d >= static_cast<std::int64_t>(in.size()) ? "dim" : "unflattened_size", e.what());
      }
    } else if (t == "conv2d" || t == "max_pool2d" || t == "avg_pool2d") {
      if (!need_rank(l, in, 4, "[batch, channels, height, width]")) return std::nullopt;
      const std::int64_t k = i("kernel_size"), st = i("stride"), p = i("padding");
      const std::int64_t ho = (in[2] + 2 * p - k) / st + 1, wo = (in[3] + 2 * p - k) / st + 1;
      if (in[2] + 2 * p < k || in[3] + 2 * p < k || ho <= 0 || wo <= 0)
        return fail(l, "kernel_size", t + " with kernel " + std::to_string(k) + " does not fit an input of shape " + to_string(in));
      std::int64_t channels = in[1];
      if (t == "conv2d") {
        if (in[1] != i("in_channels"))
          return fail(l, "in_channels", "conv2d expects " + std::to_string(i("in_channels")) + " channels, got shape " + to_string(in));
        channels = i("out_channels");
        const bool bias = c.at("bias").get<bool>();
        s.parameters = i("out_channels") * i("in_channels") * k * k + (bias ? i("out_channels") : 0);
        s.formula = "out_channels*in_channels*k*k" + std::string(bias ? " + out_channels" : "");
      }
      y = {in[0], channels, ho, wo};
    } else if (t == "batch_norm1d" || t == "batch_norm2d") {
      if (!need_rank(l, in, t == "batch_norm1d" ? 2 : 4, t == "batch_norm1d" ? "[batch, features]" : "[batch, channels, height, width]"))
        return std::nullopt;
      if (in[1] != i("num_features"))
        return fail(l, "num_features", t + " expects " + std::to_string(i("num_features")) + " features, got shape " + to_string(in));
      s.parameters = 2 * i("num_features");
      s.formula = "weight and bias: 2*num_features (running statistics are buffers, not parameters)";
    } else if (t == "positional") {
      if (!need_rank(l, in, 3, "[batch, time, dim]")) return std::nullopt;
      if (in[2] != i("dim")) return fail(l, "dim", "positional encoding of dim " + std::to_string(i("dim")) + " for input " + to_string(in));
      if (in[1] > i("max_len"))
        return fail(l, "max_len", "sequences of length " + std::to_string(in[1]) + " exceed max_len " + std::to_string(i("max_len")));
      if (c.at("kind") == "learned") {
        s.parameters = i("max_len") * i("dim");
        s.formula = "max_len*dim";
      }
    } else if (t == "layer_norm") {
      if (in.empty() || in.back() != i("normalized_shape"))
        return fail(l, "normalized_shape", "layer_norm normalises the last dimension, normalized_shape = " + std::to_string(i("normalized_shape")) +
                                               ", but its input has shape " + to_string(in));
      if (c.at("elementwise_affine").get<bool>()) {
        s.parameters = 2 * i("normalized_shape");
        s.formula = "weight and bias: 2*normalized_shape";
      }
    } else if (t == "multihead_attention" || t == "transformer_encoder_layer") {
      const bool mha = t == "multihead_attention";
      const char* width = mha ? "embed_dim" : "d_model";
      if (!need_rank(l, in, 3, "[batch, time, features]")) return std::nullopt;
      const std::int64_t E = i(width);
      if (in[2] != E) return fail(l, width, t + " expects " + std::to_string(E) + " features per step, but its input has shape " + to_string(in));
      s.parameters = 4 * E * E + 4 * E;
      s.formula = "in_proj_weight 3E*E + in_proj_bias 3E + out_proj E*E + E, E = " + std::to_string(E);
      if (!mha) {
        const std::int64_t F = i("dim_feedforward");
        s.parameters += 2 * E * F + F + E + 4 * E;
        s.formula = "self_attn 4E*E + 4E, linear1 F*E + F, linear2 E*F + E, norm1 and norm2 2E each; E = " + std::to_string(E) +
                    ", F = " + std::to_string(F);
      }
    } else if (t == "mean_pool") {
      if (!need_rank(l, in, 3, "[batch, time, features]")) return std::nullopt;
      y = {in[0], in[2]};
      s.formula = "no parameters; the mean over time (the same for every order of the steps)";
    } else if (t == "residual") {
      Shape h = in;
      std::int64_t n = 0;
      for (const auto& inner : l.body) {
        auto next = layer(inner, h);
        if (!next) return std::nullopt;
        h = *next;
        n += out.back().parameters;
        inner_kept += out.back().kept;
        inner_largest = std::max(inner_largest, out.back().largest);
      }
      if (h != in) return fail(l, "layers", "a residual block must keep its input's shape " + to_string(in) + ", but its layers give " + to_string(h));
      s.parameters = n;
      s.formula = "sum of the inner layers";
    }
    s.output = y;
    estimate_activations(l, in, inner_kept, inner_largest, s);
    out.push_back(s);
    return y;
  }

  // LayerSummary::kept and ::largest for a layer that summarised without a problem: what
  // its forward pass stores for backward, in elements, from the shapes (see spec.h).
  static void estimate_activations(const LayerSpec& l, const Shape& in, double inner_kept, double inner_largest, LayerSummary& s) {
    const auto& c = l.config;
    auto i = [&](const char* k) { return static_cast<double>(c.at(k).get<std::int64_t>()); };
    auto elements = [](const Shape& shape) {
      double n = 1;
      for (auto d : shape) n *= static_cast<double>(d);
      return n;
    };
    const double y = elements(s.output);
    const std::string& t = l.type;
    double kept = y, largest = y;
    if (is_one_of(t, kRecurrent)) {
      // per step, layer and direction: the gates (G*H) and the cell's values (LSTM: c,
      // tanh(c), h; GRU: the candidate and h; RNN: h), plus each layer's input projection
      // for all steps at once [B, T, G*H]
      const double B = static_cast<double>(in[0]), T = static_cast<double>(in[1]), H = i("hidden_size");
      const double G = t == "lstm" ? 4 : t == "gru" ? 3 : 1, cell = t == "lstm" ? 3 : t == "gru" ? 2 : 1;
      const double D = c.at("bidirectional").get<bool>() ? 2 : 1;
      kept = y + i("num_layers") * D * B * T * ((G + cell) * H + G * H);
      largest = std::max(y, B * T * G * H);
    } else if (t == "conv2d") {
      const double k = i("kernel_size");
      const double cols = static_cast<double>(in[0]) * static_cast<double>(in[1]) * k * k * static_cast<double>(s.output[2]) *
                          static_cast<double>(s.output[3]);  // im2col
      kept = y + cols;
      largest = std::max(y, cols);
    } else if (t == "max_pool2d" || t == "dropout") {
      kept = 2 * y;  // the output and the argmax indices / the mask
    } else if (t == "batch_norm1d" || t == "batch_norm2d") {
      kept = 3 * y;  // centred input, normalised input, output
    } else if (t == "layer_norm") {
      kept = 5 * y;  // built from differentiable ops: mean, centred, variance, normalised, output
    } else if (t == "multihead_attention" || t == "transformer_encoder_layer") {
      const bool mha = t == "multihead_attention";
      const double B = static_cast<double>(in[0]), T = static_cast<double>(in[1]), E = static_cast<double>(in[2]);
      const double heads = i(mha ? "num_heads" : "nhead");
      const double scores = B * heads * T * T;  // scores and their softmax, per head
      kept = 5 * B * T * E + 2 * scores;          // q, k, v, context, output
      largest = std::max({y, scores, 3 * B * T * E});
      if (!mha) {
        const double F = i("dim_feedforward");
        kept += 13 * B * T * E + 2 * B * T * F;  // two norms, two residual sums, linear1 and its activation, linear2
        largest = std::max(largest, B * T * F);
      }
    } else if (t == "residual") {
      kept = inner_kept + y;
      largest = std::max(inner_largest, y);
    }
    s.kept = kept;
    s.largest = largest;
  }
};
}  // namespace

std::vector<LayerSummary> summarize_layers(const std::vector<LayerSpec>& layers, const Shape& in, std::vector<SpecIssue>& issues) {
  std::int64_t count = 0;
  std::vector<const std::vector<LayerSpec>*> todo{&layers};
  while (!todo.empty()) {
    const auto* list = todo.back();
    todo.pop_back();
    count += static_cast<std::int64_t>(list->size());
    for (const auto& l : *list)
      if (!l.body.empty()) todo.push_back(&l.body);
  }
  if (count > kMaxLayers) {
    issues.push_back({"/model/layers", "the model has " + std::to_string(count) + " layers (counting those inside residual blocks); at most " +
                                           std::to_string(kMaxLayers) + " are allowed (gradlab trains small networks)"});
    return {};
  }
  Inference inf{issues, {}};
  Shape h = in;
  std::vector<LayerSummary> top;
  for (const auto& l : layers) {
    auto next = inf.layer(l, h);
    if (!next) break;
    h = *next;
    top.push_back(inf.out.back());  // a residual's own summary comes after its inner ones
  }
  return top;
}

std::string format_bytes(double bytes) {
  const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  int u = 0;
  while (bytes >= 1024 && u < 6) {
    bytes /= 1024;
    ++u;
  }
  char text[48];
  std::snprintf(text, sizeof text, u == 0 ? "%.0f %s" : bytes < 10 ? "%.1f %s" : "%.0f %s", bytes, units[u]);
  return text;
}

void check_activation_memory(const std::vector<LayerSummary>& summary, std::int64_t summary_rows, std::int64_t batch_rows,
                             std::int64_t eval_rows, const std::string& eval_pointer, std::vector<SpecIssue>& issues) {
  if (summary.empty() || summary_rows <= 0) return;
  const double bytes = sizeof(Scalar), per_row = 1.0 / static_cast<double>(summary_rows);
  double kept = 0;
  const LayerSummary* most = &summary.front();
  const LayerSummary* widest = &summary.front();
  for (const auto& s : summary) {
    kept += s.kept;
    if (s.kept > most->kept) most = &s;
    if (s.largest > widest->largest) widest = &s;
  }
  const double step = kept * per_row * static_cast<double>(batch_rows) * bytes;
  if (step > kMaxStepActivationBytes)
    issues.push_back({"/training/batch_size",
                      "one training step on batches of " + std::to_string(batch_rows) + " would keep about " + format_bytes(step) +
                          " of activations for backward (the most at " + most->pointer + ", " + most->type + ": " +
                          format_bytes(most->kept * per_row * static_cast<double>(batch_rows) * bytes) + "); at most " +
                          format_bytes(kMaxStepActivationBytes) +
                          " are allowed (the browser's engine has 1 GiB, and backward needs about as much again): use a smaller "
                          "batch_size or smaller layers"});
  const double eval = widest->largest * per_row * static_cast<double>(eval_rows) * bytes;
  if (eval > kMaxEvalTensorBytes)
    issues.push_back({eval_pointer, "evaluating all " + std::to_string(eval_rows) + " examples in one pass would make a tensor of about " +
                                        format_bytes(eval) + " at " + widest->pointer + " (" + widest->type + "); at most " +
                                        format_bytes(kMaxEvalTensorBytes) + " are allowed: use fewer examples or smaller layers"});
}

void check_model_size(const std::vector<LayerSummary>& summary, std::vector<SpecIssue>& issues) {
  std::int64_t total = 0;
  for (const auto& s : summary) total += s.parameters;
  if (total > kMaxParameters)
    issues.push_back({"/model/layers", "the model would have " + std::to_string(total) + " parameters; at most " +
                                           std::to_string(kMaxParameters) + " are allowed (gradlab trains small networks)"});
}

GRADLAB_END

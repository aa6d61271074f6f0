// gradlab: the command-line shell over core/session. It reads files, parses arguments
// and prints; everything else is the engine's. Exit codes: 0 ok, 1 the work failed
// (a gradient check, training that diverged), 2 bad arguments, files or specs.
#include <unistd.h>

#include <chrono>
#include <tuple>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <new>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "check_command.h"
#include "lesson_command.h"
#include "lesson/lesson.h"
#include "spec/json_text.h"
#include "session/session.h"
#include "train/supervised.h"

namespace {

namespace fs = std::filesystem;
using gradlab::Session;

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

const char* kMainHelp = R"(gradlab: train and inspect small neural networks from an experiment spec (JSON).

Usage: gradlab <command> SPEC [options]

Commands:
  run SPEC      train; progress on stderr, metrics (JSONL) and a checkpoint in --out
  grad SPEC     one forward/backward on the spec's batch; prints loss, outputs and
                every gradient (PyTorch names and layouts) as JSON
  check SPEC    finite-difference check of every parameter's gradient in double
                precision; exit 1 and a table when one fails
  params SPEC   parameter names, shapes and counts, and the total
  inspect SPEC  one inspection snapshot (gradients through time, gates, attention,
                decision field, GAN field, computation graph...) as JSON
  lesson FILE   run a lesson's steps headless and check every expectation it makes
  sweep SPEC    train variants of a spec side by side (--set /optimizer/lr=0.01,0.1)

Run `gradlab <command> --help` for a command's options. Specs: docs/spec.md; examples/.
)";

const std::map<std::string, std::string> kHelp = {
    {"run", R"(Usage: gradlab run SPEC [--steps N] [--seed S] [--out DIR]

Trains the spec's model. Progress goes to stderr (a bar on a terminal, otherwise a line
every training.log_every steps). Writes to DIR (default: gradlab-out/<spec name>):
  metrics.jsonl     one JSON object per logged step (loss, accuracy, grad norms, lr)
                    and per evaluation (test loss and accuracy)
  checkpoint.json   the whole training state, loadable to continue exactly
Options:
  --steps N         train N steps instead of the spec's training.steps
  --seed S          use seed S instead of the spec's seed
  --out DIR         where to write results
)"},
    {"grad", R"(Usage: gradlab grad SPEC [--seed S] [--clamp GATE=VALUE]

One forward and backward pass on the spec's batch (data.batch, or the first
training.batch_size examples of its dataset) without updating anything. Prints JSON:
  {"loss": ..., "objective": ..., "outputs": {"shape", "data"},
   "gradients": {name: {"shape", "data"}}, "input_gradient": {"shape", "data"} or null}
"loss" is the loss (times /loss/scale; a vector under reduction "none"); "objective" is
the number backward started from: sum(seed * loss) under /loss/seed, plus the L1/L2
penalties.
--clamp GATE=VALUE forces a gate of the first recurrent layer (e.g. f=0) for the pass:
the loss, outputs and gradients are those under the clamp, and "clamp" names it.
)"},
    {"check", R"(Usage: gradlab check SPEC [--tolerance T] [--eps H] [--entries N] [--json]

Compares every parameter's analytical gradient with central finite differences
(L(x+H) - L(x-H)) / 2H, in double precision, on the spec's batch. A parameter with more
than N entries (default 64; 0: all) is checked on a deterministic sample of N of them,
always including its largest gradient; the output says so. An entry fails when
|analytic - numeric| > T * the parameter's largest gradient + the rounding floor of its
difference (about 16 ulps of the loss / H). An entry whose loss has a kink within H (a
ReLU or max crossing zero: the one-sided differences disagree, and still do at H/10) has
no measurable derivative; it is skipped and counted. Relative error per parameter:
max|analytic - numeric| / max(max|analytic|, max|numeric|). Defaults: T 1e-6, H 1e-6.
Progress goes to stderr (a bar on a terminal). Exit 0 when every parameter passes, 1
otherwise (a table says which).
)"},
    {"inspect", R"(Usage: gradlab inspect SPEC [--checkpoint FILE] [--what NAME] [--clamp GATE=VALUE]

Prints one inspection snapshot as JSON, of the spec's model freshly initialised or, with
--checkpoint, as trained (a checkpoint.json from gradlab run). Without --what, lists the
snapshots this experiment offers, for example:
  params      per-parameter value and gradient statistics with histograms; the
              gradients of one forward/backward on the batch gradlab grad uses
              (training is left as it was); small_fraction = share of |w| < 1e-3
  layers      per top-level layer, input to output: ||dL/dW|| (weights; biases
              apart) and ||dL/da||, the gradient reaching the layer's output
              (norm over the whole batch; L is the batch's loss, a mean by default)
  gradcheck   finite-difference check per parameter
  field       the model's output over the plane (2-D data) or along the line (1-D)
  recurrent   ||dL/dh_t|| per step, layer and direction; gate activations [T x H];
              fraction of saturated gate units; LSTM: ||dL/dc_t|| and the mean
              forget gate per step
  jacobian    the step Jacobian dh_t/dh_{t-1}: all its singular values, its RMS
              gain, and the product's growth over k steps from the last step back
  graph       the computation graph of a tiny network with values, gradients and
              local derivatives; recurrent layers unrolled in time, with each
              shared weight's gradient as the sum of its per-step contributions
  loss_surface  (two-parameter models) the loss over a grid of the two and the path
              training took through it
  normal_equation  (one Linear layer under MSE) the closed-form least-squares weights
              beside the trained ones, and the cost of each: operations counted
              and seconds measured for the solve and for one gradient step
  attention   (seq2seq) an attention map [target x source] with its tokens
  self_attention  (multihead_attention / transformer_encoder_layer) every head's
              attention map [T x T] of the first test example, with its tokens
  samples, critic_field, coverage   (gan)
  filters     (conv2d) the first conv layer's weight [O, C, k, k] and bias
  feature_maps  (image inputs) one test example (/inspection/example) and every
              image-shaped layer output [C, H, W] for it
  image_predictions  (image inputs) the first 64 test images with predicted and
              true labels
  conv_as_linear  (conv2d) the first conv layer as a sparse, tied Linear matrix M:
              non-zero fraction, max |conv(x) - Mx - b| and max |dW - sum of the
              tied entries' gradients| on the grad batch
  elbo        (diffusion) the bound on -log p(x_0) on the test split, nats per point:
              every term L_0, L_1 ... L_{T-1}, L_T, their sum, and the schedule
  diffusion_forward    (diffusion) test points x_0 and their noised x_t at
              inspection.diffusion_t (default T/2)
  diffusion_reverse    (diffusion) 16 sampling trajectories, x_T ... x_0
  diffusion_samples    (diffusion) 512 generated points against the data, modes covered
  diffusion_posterior  (diffusion) q(x_{t-1} | x_t, x_0) for one test point at
              inspection.diffusion_t: mean, variance and their coefficients, the
              model's mean, and what other x_0 give for the same x_t
--clamp GATE=VALUE forces a gate of the first recurrent layer (e.g. f=0) first.
)"},
    {"lesson", R"(Usage: gradlab lesson FILE [--seed S | --check-seeds] [--json]

Runs every step of a lesson (a spec with a "lesson" block; docs/lessons.md) headless:
each step's actions (train N steps, clamp a gate, change a field, start variants), then
each expectation measured and compared with its bound. Prints every expectation with
the measured value, and exits 0 only when all hold (1 otherwise, 2 for a bad file).
Options:
  --seed S          run on seed S instead of the spec's seed
  --check-seeds     run on every seed in lesson.check_seeds (default: the spec's seed
                    and the next two); what ctest runs for each shipped lesson
  --json            the report as JSON: every step's notes and expectations per seed
)"},
    {"sweep", R"(Usage: gradlab sweep SPEC --set POINTER=V1,V2[,...] [--set ...] [--steps N] [--out DIR]

Trains one variant of the spec per combination of the --set values (a grid when several
fields are set, at most 64 variants), on the same data and seed, one after another. Each
POINTER is a JSON pointer into the spec (/optimizer/lr, /model/layers/0/out,
/training/l2...); each value is JSON (0.1, true, "relu", [1, 2]) or, if it is not valid
JSON, a string; null removes the field. Writes to DIR (default gradlab-out/<name>-sweep):
  NN-<label>/metrics.jsonl, NN-<label>/checkpoint.json   as gradlab run writes them
  sweep.json        every variant's fields and final train and test metrics
and prints one row per variant with its final numbers. Exit 1 when a variant's training
stopped (not finite), 2 for a bad pointer or value (named, before anything trains).
Options:
  --steps N         train N steps instead of the spec's training.steps
  --out DIR         where to write results
)"},
    {"params", R"(Usage: gradlab params SPEC [--json]

Lists every parameter with its PyTorch name, shape and count, and the total.
Recurrent weights are shared across time steps, so the count does not depend on the
sequence length.
)"},
};

// The largest spec, checkpoint or CSV file gradlab reads: 1 GiB. A checkpoint holds
// about 20 bytes of JSON per number, so this fits the largest model a spec may describe
// (20M parameters) with one optimizer slot each, or about 15M with Adam's two; anything
// bigger would take several times its size in memory to parse (docs/spec.md, "Limits").
constexpr std::uintmax_t kMaxFileBytes = std::uintmax_t(1) << 30;

std::string read_file(const std::string& path) {
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);  // follows symlinks
  if (!fs::exists(status)) throw UsageError("cannot read '" + path + "': no such file");
  if (fs::is_directory(status)) throw UsageError("cannot read '" + path + "': it is a directory, expected a spec file");
  // A device (/dev/zero), FIFO or socket may never end, or block forever.
  if (!fs::is_regular_file(status))
    throw UsageError("cannot read '" + path + "': it is not a regular file (a device, FIFO or socket); expected a spec or checkpoint file");
  const auto too_big = [&](const std::string& size) {
    return UsageError("cannot read '" + path + "': it has " + size + " bytes; gradlab reads files of at most " +
                      std::to_string(kMaxFileBytes) + " bytes (1 GiB)");
  };
  const std::uintmax_t size = fs::file_size(path, ec);
  if (!ec && size > kMaxFileBytes) throw too_big(std::to_string(size));
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError("cannot read '" + path + "': permission denied or unreadable");
  // Read in chunks up to the limit: the size can change after the check (or be 0 for
  // files under /proc).
  std::string text;
  std::vector<char> chunk(1 << 16);
  while (in.read(chunk.data(), static_cast<std::streamsize>(chunk.size())) || in.gcount() > 0) {
    text.append(chunk.data(), static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxFileBytes) throw too_big("more than " + std::to_string(kMaxFileBytes));
  }
  if (in.bad()) throw UsageError("cannot read '" + path + "': a read error occurred");
  return text;
}

struct Args {
  std::string command, spec_path;
  std::map<std::string, std::string> options;
  std::vector<std::string> flags;
  std::vector<std::string> sets;  // every --set POINTER=V1,V2 (sweep), in order
  bool help = false;
};

Args parse_args(int argc, char** argv) {
  Args a;
  if (argc < 2) throw UsageError("missing command (run, grad, check, params, inspect, lesson, sweep); try gradlab --help");
  a.command = argv[1];
  if (a.command == "--help" || a.command == "-h" || a.command == "help") {
    a.help = true;
    a.command.clear();
    return a;
  }
  if (!kHelp.count(a.command))
    throw UsageError("unknown command '" + a.command + "' (commands: run, grad, check, params, inspect, lesson, sweep)");
  const std::map<std::string, std::vector<std::string>> valued = {
      {"run", {"--steps", "--seed", "--out"}}, {"grad", {"--seed", "--clamp"}}, {"check", {"--tolerance", "--eps", "--entries"}}, {"params", {}},
      {"inspect", {"--checkpoint", "--what", "--clamp"}}, {"lesson", {"--seed"}}, {"sweep", {"--set", "--steps", "--out"}}};
  const std::map<std::string, std::vector<std::string>> boolean = {
      {"run", {}}, {"grad", {}}, {"check", {"--json"}}, {"params", {"--json"}}, {"inspect", {}}, {"lesson", {"--json", "--check-seeds"}}, {"sweep", {}}};
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      a.help = true;
      continue;
    }
    if (arg.rfind("--", 0) == 0) {
      std::string name = arg, value;
      const auto eq = arg.find('=');
      if (eq != std::string::npos) {
        name = arg.substr(0, eq);
        value = arg.substr(eq + 1);
      }
      const auto& v = valued.at(a.command);
      const auto& b = boolean.at(a.command);
      if (std::find(b.begin(), b.end(), name) != b.end()) {
        a.flags.push_back(name);
        continue;
      }
      if (std::find(v.begin(), v.end(), name) == v.end()) {
        std::string allowed;
        for (const auto& o : v) allowed += " " + o;
        for (const auto& o : b) allowed += " " + o;
        throw UsageError("unknown option '" + name + "' for " + a.command + " (options:" + (allowed.empty() ? " none" : allowed) + ")");
      }
      if (eq == std::string::npos) {
        if (i + 1 >= argc) throw UsageError("option " + name + " needs a value");
        value = argv[++i];
      }
      if (name == "--set") a.sets.push_back(value);
      else a.options[name] = value;
      continue;
    }
    if (!a.spec_path.empty()) throw UsageError("unexpected argument '" + arg + "' (one SPEC file per command)");
    a.spec_path = arg;
  }
  if (!a.help && a.spec_path.empty()) throw UsageError(a.command + " needs a SPEC file; try gradlab " + a.command + " --help");
  return a;
}

std::int64_t int_option(const Args& a, const std::string& name, std::int64_t lo, std::int64_t hi) {
  const std::string& v = a.options.at(name);
  std::size_t used = 0;
  long long x = 0;
  try {
    x = std::stoll(v, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != v.size() || v.empty() || x < lo || x > hi)
    throw UsageError(name + " expects an integer from " + std::to_string(lo) + " to " + std::to_string(hi) + ", got '" + v + "'");
  return x;
}

double number_option(const Args& a, const std::string& name) {
  const std::string& v = a.options.at(name);
  std::size_t used = 0;
  double x = 0;
  try {
    x = std::stod(v, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != v.size() || !(x > 0) || !std::isfinite(x)) throw UsageError(name + " expects a positive number, got '" + v + "'");
  return x;
}

// Reads the spec and applies --seed, re-serialising so the session sees one document.
std::string spec_text(const Args& a) {
  std::string text = read_file(a.spec_path);
  if (!a.options.count("--seed")) return text;
  const std::int64_t seed = int_option(a, "--seed", 0, std::int64_t(1) << 53);
  nlohmann::json doc;
  try {
    doc = gradlab::parse_json_text(text, "spec");  // depth-checked before anything recursive
  } catch (const gradlab::SpecError&) {
    return text;  // the session reports the same problem with its line and column
  }
  if (doc.is_object()) doc["seed"] = seed;
  return doc.dump();
}

std::string fmt(double v, int precision = 4) {
  if (std::isnan(v)) return "-";
  std::ostringstream s;
  s << std::setprecision(precision) << v;
  return s.str();
}

// A metric from the session's JSON (null, absent and non-numbers read as NaN).
double num(const gradlab::Metrics& m, const char* key) {
  return m.contains(key) && m[key].is_number() ? m[key].get<double>() : std::nan("");
}

// "  loss 0.1234  acc 0.95" with whichever of the usual metrics this experiment reports.
std::string summary(const gradlab::Metrics& m) {
  std::string out;
  for (const auto& [key, label] : std::vector<std::pair<const char*, const char*>>{
           {"loss", "loss"}, {"accuracy", "acc"}, {"perplexity", "ppl"}, {"token_accuracy", "token acc"},
           {"sequence_accuracy", "seq acc"}, {"d_loss", "D loss"}, {"g_loss", "G loss"}, {"modes_covered", "modes"},
           {"high_quality_fraction", "high-quality"}, {"nll_bound", "NLL bound (nats)"}})
    if (!std::isnan(num(m, key))) out += std::string("  ") + label + " " + fmt(num(m, key), 4);
  return out;
}

int cmd_params(const Args& a) {
  Session s(spec_text(a));
  const auto params = s.params();
  if (std::find(a.flags.begin(), a.flags.end(), "--json") != a.flags.end()) {
    nlohmann::json j = {{"parameters", nlohmann::json::array()}, {"total", s.total_params()}};
    for (const auto& p : params) j["parameters"].push_back({{"name", p.name}, {"shape", p.shape}, {"count", p.count}});
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  std::size_t width = 4;
  for (const auto& p : params) width = std::max(width, p.name.size());
  std::cout << std::left << std::setw(static_cast<int>(width)) << "name" << "  " << std::setw(16) << "shape" << "  count\n";
  for (const auto& p : params)
    std::cout << std::left << std::setw(static_cast<int>(width)) << p.name << "  " << std::setw(16) << gradlab::to_string(p.shape)
              << "  " << p.count << "\n";
  std::cout << "total: " << s.total_params() << " parameters\n";
  return 0;
}

// --clamp GATE=VALUE (grad, inspect): a gate of the first recurrent layer fixed to VALUE.
// Returns {"gate", "value"}, or null without the option.
nlohmann::json apply_clamp(const Args& a, Session& s) {
  if (!a.options.count("--clamp")) return nullptr;
  const std::string& c = a.options.at("--clamp");
  const auto eq = c.find('=');
  const std::string gate = c.substr(0, eq), value_text = eq == std::string::npos ? "" : c.substr(eq + 1);
  std::size_t used = 0;
  double value = 0;
  try {
    value = std::stod(value_text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (gate.empty() || value_text.empty() || used != value_text.size() || !std::isfinite(value))
    throw UsageError("--clamp expects GATE=VALUE with a number, e.g. f=0 (gates i, f, g, o for lstm; r, z for gru), got '" +
                     c + "'");
  s.clamp_gate(gate, value);
  return {{"gate", gate}, {"value", value}};
}

int cmd_grad(const Args& a) {
  Session s(spec_text(a));
  const nlohmann::json clamp = apply_clamp(a, s);
  if (clamp.is_null()) {
    std::cout << s.grad_json() << "\n";
    return 0;
  }
  nlohmann::json j = nlohmann::json::parse(s.grad_json());
  j["clamp"] = clamp;
  std::cout << j.dump() << "\n";
  return 0;
}

int cmd_inspect(const Args& a) {
  Session s = a.options.count("--checkpoint") ? [&] {
    const std::string ckpt = read_file(a.options.at("--checkpoint"));
    Session fresh(spec_text(a));
    fresh.load_checkpoint(ckpt);
    return fresh;
  }()
                                              : Session(spec_text(a));
  apply_clamp(a, s);
  if (!a.options.count("--what")) {
    std::cout << "snapshots:";
    for (const auto& n : s.snapshot_names()) std::cout << " " << n;
    std::cout << "\n";
    return 0;
  }
  std::cout << s.snapshot(a.options.at("--what")).dump() << "\n";
  return 0;
}

void draw_progress(std::int64_t done, std::int64_t total, const gradlab::Metrics& m, double seconds) {
  const int width = 30;
  const int filled = total > 0 ? static_cast<int>(width * done / total) : width;
  std::cerr << "\r[" << std::string(static_cast<std::size_t>(filled), '#') << std::string(static_cast<std::size_t>(width - filled), ' ')
            << "] " << done << "/" << total << summary(m) << "  " << fmt(done / std::max(seconds, 1e-9), 3) << " steps/s   "
            << std::flush;
}

// What training into an output folder ended with.
struct TrainOutcome {
  gradlab::Metrics train, test;  // the final evaluations (empty after divergence)
  std::int64_t diverged_at = 0;  // the step that was not finite, 0 = none
  std::string error;             // its message
};

// Trains `steps` steps, writing metrics.jsonl, snapshots and checkpoint.json into `out`:
// what `gradlab run` does, shared with `gradlab sweep` so that a variant's files equal a
// single run of the same spec. Progress goes to stderr, headed by `label`.
TrainOutcome train_into(Session& s, const fs::path& out, std::int64_t steps, const std::string& label) {
  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec) throw UsageError("cannot create output directory '" + out.string() + "': " + ec.message());
  std::ofstream metrics(out / "metrics.jsonl");
  if (!metrics) throw UsageError("cannot write '" + (out / "metrics.jsonl").string() + "'");

  const bool tty = isatty(STDERR_FILENO);
  const std::int64_t log_every = s.spec().training.log_every;
  const std::int64_t eval_every = s.spec().training.eval_every;
  const auto start = std::chrono::steady_clock::now();
  auto seconds = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  std::cerr << label << ", " << steps << " steps, " << s.total_params() << " parameters\n";
  const auto& snapshots = s.spec().inspection.snapshots;
  const std::int64_t snapshot_every = s.spec().inspection.every;
  if (!snapshots.empty()) fs::create_directories(out / "snapshots", ec);
  auto write_snapshots = [&](std::int64_t step) {
    for (const auto& name : snapshots) {
      const fs::path file = out / "snapshots" / (name + "-" + std::to_string(step) + ".json");
      std::ofstream(file) << s.snapshot(name).dump() << "\n";
    }
  };
  auto write_eval = [&](std::int64_t step) {
    gradlab::Metrics tr = s.evaluate("train"), te = s.evaluate("test");
    nlohmann::json j = {{"step", step}, {"kind", "eval"}, {"train", tr}};
    if (te.value("n", 0) > 0) j["test"] = te;
    metrics << j.dump() << "\n";
    return std::make_pair(tr, te);
  };
  TrainOutcome outcome;
  // One step at a time, not Session::train, which returns every step's metrics: about 1 KB
  // a step, 10 GB for the 10M steps a spec may ask for. Each step's line goes to
  // metrics.jsonl and is dropped.
  auto each_step = [&](const gradlab::Metrics& m) {
      const std::int64_t done = m["step"].get<std::int64_t>();
      if (done % log_every == 0 || done == steps) {
        nlohmann::json j = m;
        j["kind"] = "train";
        metrics << j.dump() << "\n";
        if (!tty)
          std::cerr << "step " << done << "/" << steps << summary(m)
                    << (std::isnan(num(m, "grad_norm")) ? "" : "  grad norm " + fmt(num(m, "grad_norm"), 3))
                    << (std::isnan(num(m, "lr")) ? "" : "  lr " + fmt(num(m, "lr"), 3)) << "\n";
      }
      if (tty && (done % std::max<std::int64_t>(1, steps / 200) == 0 || done == steps)) draw_progress(done, steps, m, seconds());
      if (eval_every > 0 && done % eval_every == 0 && done != steps) write_eval(done);
      if (snapshot_every > 0 && done % snapshot_every == 0 && done != steps) write_snapshots(done);
  };
  try {
    for (std::int64_t i = 0; i < steps; ++i) each_step(s.step());
  } catch (const gradlab::NonFiniteError& e) {
    if (tty) std::cerr << "\n";
    metrics << nlohmann::json({{"kind", "error"}, {"step", e.step()}, {"where", e.where()}, {"op", e.op()}, {"message", e.what()}}).dump()
            << "\n";
    std::ofstream(out / "checkpoint.json") << s.checkpoint_json() << "\n";
    std::cerr << "training stopped: " << e.what() << "\n"
              << "the last good state is in " << (out / "checkpoint.json").string() << "\n";
    outcome.diverged_at = e.step();
    outcome.error = e.what();
    return outcome;
  }
  if (tty) std::cerr << "\n";
  std::tie(outcome.train, outcome.test) = write_eval(s.steps_done());
  if (!snapshots.empty()) write_snapshots(s.steps_done());
  std::ofstream ckpt(out / "checkpoint.json");
  ckpt << s.checkpoint_json() << "\n";
  if (!ckpt) throw UsageError("cannot write '" + (out / "checkpoint.json").string() + "'");
  std::cerr << "done in " << fmt(seconds(), 3) << " s; train:" << summary(outcome.train)
            << (outcome.test.value("n", 0) > 0 && s.spec().kind != "gan" ? "; test:" + summary(outcome.test) : std::string()) << "\n";
  return outcome;
}

// A file or folder name from free text: letters, digits, '-' and '_' kept, the rest '_'.
std::string file_name(std::string name) {
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') c = '_';
  return name;
}

int cmd_run(const Args& a) {
  Session s(spec_text(a));
  const std::int64_t steps = a.options.count("--steps") ? int_option(a, "--steps", 0, 100'000'000) : s.planned_steps();
  const std::string name = file_name(s.spec().name.empty() ? fs::path(a.spec_path).stem().string() : s.spec().name);
  const fs::path out = a.options.count("--out") ? fs::path(a.options.at("--out")) : fs::path("gradlab-out") / name;
  const TrainOutcome outcome = train_into(s, out, steps, "gradlab run: " + name);
  if (outcome.diverged_at > 0) return 1;
  std::cout << "metrics:    " << (out / "metrics.jsonl").string() << "\n"
            << "checkpoint: " << (out / "checkpoint.json").string() << "\n";
  if (!s.spec().inspection.snapshots.empty()) std::cout << "snapshots:  " << (out / "snapshots").string() << "/\n";
  return 0;
}

bool has_flag(const Args& a, const std::string& flag) { return std::find(a.flags.begin(), a.flags.end(), flag) != a.flags.end(); }

int cmd_lesson(const Args& a) {
  gradlab_cli::LessonOptions options;
  options.json = has_flag(a, "--json");
  options.check_seeds = has_flag(a, "--check-seeds");
  if (a.options.count("--seed")) {
    if (options.check_seeds) throw UsageError("--seed and --check-seeds exclude each other");
    options.seed = static_cast<std::uint64_t>(int_option(a, "--seed", 0, std::int64_t(1) << 53));
  }
  return gradlab_cli::run_lesson_command(a.spec_path, read_file(a.spec_path), options, std::cout, std::cerr);
}

// "0.01,0.1,[1, 2]" -> the values, split at commas outside brackets and quotes; each is JSON
// or, when it does not parse, a string.
std::vector<nlohmann::json> sweep_values(const std::string& text, const std::string& option) {
  std::vector<std::string> parts(1);
  int depth = 0;
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '"' && (i == 0 || text[i - 1] != '\\')) quoted = !quoted;
    if (!quoted && (c == '[' || c == '{')) ++depth;
    if (!quoted && (c == ']' || c == '}')) --depth;
    if (c == ',' && depth == 0 && !quoted) parts.emplace_back();
    else parts.back() += c;
  }
  std::vector<nlohmann::json> values;
  for (const auto& p : parts) {
    if (p.empty()) throw UsageError(option + ": an empty value in '" + text + "' (values are separated by commas)");
    try {
      values.push_back(gradlab::parse_json_text(p, "value"));
    } catch (const std::exception&) {
      values.emplace_back(p);
    }
  }
  return values;
}

int cmd_sweep(const Args& a) {
  if (a.sets.empty()) throw UsageError("sweep needs at least one --set POINTER=V1,V2 (e.g. --set /optimizer/lr=0.01,0.1,1)");
  const std::string text = spec_text(a);
  const nlohmann::json base = gradlab::parse_json_text(text, "spec");
  const Session first(text);  // the spec itself must be valid before any variant is made
  // The grid: every combination of the --set values, the first --set varying slowest.
  std::vector<std::pair<std::string, std::vector<nlohmann::json>>> axes;
  for (const auto& s : a.sets) {
    const auto eq = s.find('=');
    if (eq == std::string::npos || eq == 0 || s[0] != '/')
      throw UsageError("--set expects POINTER=V1,V2 with a JSON pointer such as /optimizer/lr, got '" + s + "'");
    axes.emplace_back(s.substr(0, eq), sweep_values(s.substr(eq + 1), "--set " + s.substr(0, eq)));
  }
  std::size_t count = 1;
  for (const auto& [p, v] : axes) count *= v.size();
  if (count > 64) throw UsageError("--set makes " + std::to_string(count) + " variants; a sweep runs at most 64");
  struct Variant {
    std::string label;
    std::vector<std::pair<std::string, nlohmann::json>> fields;
    std::string spec;
  };
  std::vector<Variant> variants;
  for (std::size_t k = 0; k < count; ++k) {
    Variant v;
    std::size_t rest = k;
    for (std::size_t i = axes.size(); i-- > 0;) {
      const auto& [pointer, values] = axes[i];
      const auto& value = values[rest % values.size()];
      rest /= values.size();
      v.fields.insert(v.fields.begin(), {pointer, value});
    }
    for (const auto& [p, value] : v.fields)
      v.label += (v.label.empty() ? "" : " ") + p.substr(p.rfind('/') + 1) + "=" + (value.is_string() ? value.get<std::string>() : value.dump());
    std::vector<gradlab::SpecIssue> issues;
    const nlohmann::json spec = gradlab::with_fields(base, v.fields, "", issues);
    for (auto& i : issues) i.pointer = "--set";  // the message names the pointer as typed
    if (!issues.empty()) throw gradlab::SpecError(issues);
    v.spec = spec.dump();
    try {
      Session check(v.spec);  // every variant is validated before the first one trains
    } catch (const gradlab::SpecError& e) {
      std::vector<gradlab::SpecIssue> named;
      for (const auto& i : e.issues()) named.push_back({i.pointer, "in variant " + v.label + ": " + i.message});
      throw gradlab::SpecError(named);
    }
    variants.push_back(std::move(v));
  }
  const std::int64_t steps = a.options.count("--steps") ? int_option(a, "--steps", 0, 100'000'000) : first.planned_steps();
  const std::string name = file_name(first.spec().name.empty() ? fs::path(a.spec_path).stem().string() : first.spec().name);
  const fs::path out = a.options.count("--out") ? fs::path(a.options.at("--out")) : fs::path("gradlab-out") / (name + "-sweep");
  nlohmann::json report = {{"spec", a.spec_path}, {"steps", steps}, {"variants", nlohmann::json::array()}};
  std::vector<TrainOutcome> outcomes;
  bool stopped = false;
  for (std::size_t k = 0; k < variants.size(); ++k) {
    const Variant& v = variants[k];
    char index[24];  // room for any size_t: no truncation warning
    std::snprintf(index, sizeof index, "%02zu", k + 1);
    const std::string dir = std::string(index) + "-" + file_name(v.label);
    Session s(v.spec);
    outcomes.push_back(train_into(s, out / dir, steps,
                                  "gradlab sweep: variant " + std::to_string(k + 1) + "/" + std::to_string(variants.size()) + " (" + v.label + ")"));
    const TrainOutcome& o = outcomes.back();
    nlohmann::json fields = nlohmann::json::object();
    for (const auto& [p, value] : v.fields) fields[p] = value;
    nlohmann::json row = {{"label", v.label}, {"dir", dir}, {"fields", fields}, {"train", o.train}, {"test", o.test}};
    if (o.diverged_at > 0) row["stopped"] = {{"step", o.diverged_at}, {"message", o.error}};
    report["variants"].push_back(row);
    stopped = stopped || o.diverged_at > 0;
  }
  std::ofstream(out / "sweep.json") << report.dump(2) << "\n";
  std::size_t width = 7;
  for (const auto& v : variants) width = std::max(width, v.label.size());
  std::cout << std::left << std::setw(static_cast<int>(width)) << "variant" << "  final numbers\n";
  for (std::size_t k = 0; k < variants.size(); ++k) {
    const TrainOutcome& o = outcomes[k];
    std::cout << std::left << std::setw(static_cast<int>(width)) << variants[k].label << " ";
    if (o.diverged_at > 0) std::cout << " stopped at step " << o.diverged_at << ": not finite\n";
    else std::cout << " train:" << summary(o.train) << (o.test.value("n", 0) > 0 ? "   test:" + summary(o.test) : std::string()) << "\n";
  }
  std::cout << "results:    " << out.string() << "/ (sweep.json, one folder per variant)\n";
  return stopped ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  try {
    args = parse_args(argc, argv);
    if (args.help) {
      std::cout << (args.command.empty() ? kMainHelp : kHelp.at(args.command));
      return 0;
    }
    if (args.command == "params") return cmd_params(args);
    if (args.command == "grad") return cmd_grad(args);
    if (args.command == "run") return cmd_run(args);
    if (args.command == "inspect") return cmd_inspect(args);
    if (args.command == "lesson") return cmd_lesson(args);
    if (args.command == "sweep") return cmd_sweep(args);
    if (args.command == "check") {
      gradlab_cli::CheckArgs check;
      if (args.options.count("--tolerance")) check.tolerance = number_option(args, "--tolerance");
      if (args.options.count("--eps")) check.eps = number_option(args, "--eps");
      if (args.options.count("--entries")) check.max_entries = int_option(args, "--entries", 0, std::int64_t(1) << 40);
      check.as_json = std::find(args.flags.begin(), args.flags.end(), "--json") != args.flags.end();
      check.progress_bar = isatty(STDERR_FILENO);
      return gradlab_cli::run_check(read_file(args.spec_path), check, std::cout, std::cerr);
    }
  } catch (const UsageError& e) {
    std::cerr << "gradlab" << (args.command.empty() ? "" : " " + args.command) << ": " << e.what() << "\n";
    return 2;
  } catch (const gradlab::CheckpointError& e) {
    // Pointers are inside the checkpoint file, not the spec.
    const std::string file = args.options.count("--checkpoint") ? args.options.at("--checkpoint") : args.spec_path;
    std::cerr << "gradlab " << args.command << ": checkpoint " << file << " does not load into " << args.spec_path << ":\n";
    for (const auto& i : e.issues())
      std::cerr << "  " << file << " " << (i.pointer.empty() ? "(document)" : i.pointer) << ": " << i.message << "\n";
    return 2;
  } catch (const gradlab::SpecError& e) {
    std::cerr << "gradlab " << args.command << ": " << args.spec_path << " is not a valid spec:\n";
    for (const auto& i : e.issues()) std::cerr << "  " << (i.pointer.empty() ? "(document)" : i.pointer) << ": " << i.message << "\n";
    return 2;
  } catch (const std::bad_alloc&) {
    std::cerr << "gradlab " << args.command << ": out of memory: " << args.spec_path
              << " asks for more memory than this machine has (the limits are in docs/spec.md)\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "gradlab " << args.command << ": " << e.what() << "\n";
    return 2;
  }
  return 2;
}

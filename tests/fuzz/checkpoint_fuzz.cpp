// libFuzzer target: checkpoint text -> Session::load_checkpoint into a session of a fixed
// small spec (examples/tiny-chain-rule.json). A refusal is a CheckpointError/SpecError
// whose pointers point into the checkpoint, and leaves the session exactly as it was
// (its own checkpoint unchanged); an accepted checkpoint is reloaded from the original.
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

#include "fuzz.h"
#include "session/session.h"

namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) gradlab_fuzz::finding("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Fixture {
  gradlab::Session session{read_text(GRADLAB_SOURCE_DIR "/examples/tiny-chain-rule.json")};
  std::string original;
  Fixture() {
    session.train(3);  // a state with optimizer steps and a moved batcher
    original = session.checkpoint_json();
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Fixture fixture;
  const std::string text(reinterpret_cast<const char*>(data), size);
  const bool refused =
      gradlab_fuzz::refused_with_spec_error([&] { fixture.session.load_checkpoint(text); }, "load_checkpoint");
  if (refused) {
    if (fixture.session.checkpoint_json() != fixture.original)
      gradlab_fuzz::finding("a refused checkpoint changed the session");
  } else {
    fixture.session.load_checkpoint(fixture.original);
  }
  return 0;
}

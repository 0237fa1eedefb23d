// libFuzzer target: what a runtime (or anyone who can connect) sends on the listener
// socket: the framing (complete_json_object) and the container process state parser.
#include <cstddef>
#include <cstdint>
#include <string>

#include "src/seccomp/runtime_message.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const size_t len = vigil::seccomp::complete_json_object(text);
  if (len > size) __builtin_trap();
  std::string error;
  (void)vigil::seccomp::parse_runtime_message(len ? text.substr(0, len) : text, error);
  return 0;
}

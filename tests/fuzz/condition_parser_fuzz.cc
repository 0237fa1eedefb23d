// libFuzzer target: the condition parser and compiler on arbitrary text. Must never crash,
// hang or leak, whatever the input; errors are diagnostics.
#include <cstddef>
#include <cstdint>
#include <string>

#include "src/rules/compiler.h"
#include "src/rules/parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    (void)vigil::rules::parse_condition(text);
  } catch (const vigil::rules::ParseError&) {
  }
  vigil::rules::Collection empty;
  vigil::rules::Diagnostics diags;
  (void)vigil::rules::compile_condition(text, empty, diags);
  return 0;
}

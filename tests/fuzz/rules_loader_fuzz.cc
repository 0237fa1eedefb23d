// libFuzzer target: a whole rules file through the YAML loader, the compiler and the
// report. Must never crash, hang or leak; every problem is a diagnostic.
#include <cstddef>
#include <cstdint>
#include <string>

#include "src/rules/compiler.h"
#include "src/rules/loader.h"
#include "src/rules/report.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  vigil::rules::LoadResult r;
  vigil::rules::load_rules_text("fuzz.yaml", text, r.collection, r.diagnostics);
  r.rules = vigil::rules::compile_rules(r.collection, {}, r.diagnostics);
  (void)vigil::rules::report_text(r, false);
  return 0;
}

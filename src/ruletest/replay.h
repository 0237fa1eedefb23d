// `vigil rules replay`: a recording (engine/recorder.h) evaluated against another rule set,
// event by event on the channel it came from, as the daemon would decide it in enforce
// mode: what those rules would have alerted and blocked, per rule and per container, and
// where that differs from what the daemon decided. How a user tries a new block rule on
// last week's traffic before enforcing it. It can also write the recording as a cases
// file for `vigil rules test`.
#pragma once

#include <ostream>
#include <string>

#include "src/rules/compiled_rules.h"
#include "src/rules/diagnostics.h"

namespace vigil::ruletest {

struct ReplayOptions {
  bool json = false;
  std::string cases_out;  // also write a cases file here ("" for none)
};

// Returns the number of events that could not be read (each reported in `diags`).
size_t replay(const rules::CompiledRuleSet& rules, const std::string& events_path,
              const ReplayOptions& o, std::ostream& out, rules::Diagnostics& diags);

}  // namespace vigil::ruletest

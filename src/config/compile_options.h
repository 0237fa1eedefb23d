// How the config's keys shape rule compilation: rule_matching, priority, rules: selectors.
// The daemon, its start-up check and `vigil rules list` compile with exactly these.
#pragma once

#include "src/config/config.h"
#include "src/rules/compiler.h"

namespace vigil::config {

inline rules::CompileOptions compile_options(const Config& c) {
  rules::CompileOptions o;
  o.matching = c.rule_matching;
  o.min_priority = c.min_priority;
  o.selectors = c.rule_selectors;
  return o;
}

}  // namespace vigil::config

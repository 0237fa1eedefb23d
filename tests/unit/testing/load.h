// Test helpers: load rules from YAML text and query the result.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "src/rules/compiler.h"
#include "src/rules/loader.h"
#include "vigil/event.h"

namespace vigil::testing {

inline rules::LoadResult load_yaml(const std::string& yaml,
                                   RuleMatching matching = RuleMatching::kAll) {
  rules::LoadResult r;
  rules::load_rules_text("t.yaml", yaml, r.collection, r.diagnostics);
  rules::CompileOptions opts;
  opts.matching = matching;
  r.rules = rules::compile_rules(r.collection, opts, r.diagnostics);
  return r;
}

inline const rules::CompiledRule* find_rule(const rules::LoadResult& r, const std::string& name) {
  for (const auto& rule : r.rules->rules())
    if (rule.facts.name == name) return &rule;
  return nullptr;
}

// Names of the rules that match `e`, in order.
inline std::vector<std::string> matches(const rules::LoadResult& r, Event& e) {
  uint32_t ids[64];
  size_t n = r.rules->evaluate(e, ids, 64);
  std::vector<std::string> out;
  for (size_t i = 0; i < n; ++i) out.push_back(r.rules->facts(ids[i]).name);
  return out;
}

inline std::string errors(const rules::LoadResult& r) {
  std::string out;
  for (const auto& d : r.diagnostics.all()) {
    if (d.severity == rules::Severity::kError) out += rules::format_diagnostic(d) + "\n";
  }
  return out;
}

inline std::string warnings(const rules::LoadResult& r) {
  std::string out;
  for (const auto& d : r.diagnostics.all()) {
    if (d.severity == rules::Severity::kWarning) out += rules::format_diagnostic(d) + "\n";
  }
  return out;
}

}  // namespace vigil::testing

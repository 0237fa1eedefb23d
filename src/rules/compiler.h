// Compiles a Collection into a CompiledRuleSet: expands lists, macros and exceptions,
// binds fields, parses constants, derives each rule's event types, the kernel channel it
// needs per event type, and whether a blocking decision on it is sound.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "src/rules/compiled_rules.h"
#include "src/rules/diagnostics.h"
#include "src/rules/rule_items.h"

namespace vigil::rules {

struct CompileOptions {
  RuleMatching matching = RuleMatching::kFirst;
  // Falco's config options that leave rules out: rules less severe than `min_priority`, and
  // the `rules:` selectors (which may also enable a rule its file disables). A rule left
  // out this way is kDisabled with `by_config` set.
  Priority min_priority = Priority::kDebug;
  std::vector<RuleSelector> selectors;
};

// Whether `name` matches a selector pattern: literal, with "*" matching any run.
bool selector_matches(std::string_view pattern, std::string_view name);

std::shared_ptr<CompiledRuleSet> compile_rules(const Collection& col, const CompileOptions& opts,
                                               Diagnostics& diags);

// Loads every path in order (files or folders) and compiles the result.
struct LoadResult {
  Collection collection;
  Diagnostics diagnostics;
  std::shared_ptr<CompiledRuleSet> rules;  // set even when there are errors
};
LoadResult load_and_compile(const std::vector<std::string>& paths, const CompileOptions& opts);

// Compiles one condition on its own (tests, fuzzing): no lists or macros but `col`'s.
struct ConditionResult {
  std::vector<std::unique_ptr<Check>> checks;  // owned here; the program points into them
  std::unique_ptr<Node> program;
  fields::EventTypeSet event_types;
  std::vector<std::string> unsupported;  // fields vigil cannot supply
};
std::optional<ConditionResult> compile_condition(const std::string& condition,
                                                 const Collection& col, Diagnostics& diags);

}  // namespace vigil::rules

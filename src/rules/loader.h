// Reads Falco-format rules files (YAML) into a Collection, applying Falco's semantics for
// redefinition, legacy `append: true`, `override:` and enabled-only entries. Every problem
// becomes a diagnostic with file:line:col; a bad item is skipped and loading continues.
#pragma once

#include <string>

#include "src/rules/diagnostics.h"
#include "src/rules/rule_items.h"

namespace vigil::rules {

// The Falco rules-engine version whose format vigil implements (required_engine_version).
inline constexpr const char* kFalcoEngineVersion = "0.57.0";

// Loads rules from `content`, reporting positions as `display_path`.
void load_rules_text(const std::string& display_path, const std::string& content, Collection& out,
                     Diagnostics& diags);

// Reads a file (or every *.yaml / *.yml file of a folder, sorted) and loads it.
void load_rules_path(const std::string& path, Collection& out, Diagnostics& diags);

}  // namespace vigil::rules

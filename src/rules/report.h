// Reports of a load: per file, the items, the rules with their status and kernel needs,
// warnings and errors. Text for people, JSON for tools (`--json`).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "src/rules/compiler.h"

namespace vigil::rules {

nlohmann::json report_json(const LoadResult& r);
std::string report_text(const LoadResult& r, bool list_only);
nlohmann::json rule_json(const CompiledRule& rule);

}  // namespace vigil::rules

// `vigil rules validate|list|test|replay`: arguments, the report, the exit status; the work
// is in src/rules, src/config and src/ruletest.
#pragma once

#include <CLI/CLI.hpp>

namespace vigil::cli {

void add_rules_command(CLI::App& app, int& status);

}  // namespace vigil::cli

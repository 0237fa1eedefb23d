// `vigil rules validate|list`: load rules, print the report, choose the exit code.
#pragma once

#include <string>
#include <vector>

namespace vigil::cli {

int rules_command(const std::vector<std::string>& args);

}  // namespace vigil::cli

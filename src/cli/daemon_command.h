// `vigil daemon` and `vigil hook`: argument handling; the work is in src/engine and
// src/seccomp.
#pragma once

#include <string>
#include <vector>

namespace vigil::cli {

int daemon_command(const std::vector<std::string>& args);
int hook_command(const std::vector<std::string>& args);

}  // namespace vigil::cli

// `vigil install` and `vigil uninstall`: argument handling; the work is in src/install.
#pragma once

#include <string>
#include <vector>

namespace vigil::cli {

int install_command(const std::string& cmd, const std::vector<std::string>& args);

}  // namespace vigil::cli

// `vigil install` and `vigil uninstall`: argument handling; the work is in src/install.
#pragma once

#include <CLI/CLI.hpp>

namespace vigil::cli {

void add_install_commands(CLI::App& app, int& status);

}  // namespace vigil::cli

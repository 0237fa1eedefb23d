// `vigil daemon`, `status`, `reload` and `upgrade`: argument handling; the work is in
// src/keeper, src/engine and src/control.
#pragma once

#include <CLI/CLI.hpp>

namespace vigil::cli {

void add_daemon_command(CLI::App& app, int& status);
// `vigil status`, `reload` and `upgrade`, through the daemon's control socket.
void add_control_commands(CLI::App& app, int& status);

}  // namespace vigil::cli

// `vigil daemon`, `status`, `reload` and `upgrade`: argument handling; the work is in
// src/engine.
#pragma once

#include <string>
#include <vector>

namespace vigil::cli {

int daemon_command(const std::vector<std::string>& args);
// `vigil status` and `vigil reload`, through the daemon's control socket.
int control_command(const std::string& op, const std::vector<std::string>& args);

}  // namespace vigil::cli

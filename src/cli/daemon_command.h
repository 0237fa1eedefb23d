// `vigil daemon` and `vigil hook`: argument handling; the work is in src/engine and
// src/seccomp.
#pragma once

#include <string>
#include <vector>

namespace vigil::cli {

int daemon_command(const std::vector<std::string>& args);
int hook_command(const std::vector<std::string>& args);
int runtime_command(const std::vector<std::string>& args);
// `vigil status` and `vigil reload`, through the daemon's control socket.
int control_command(const std::string& op, const std::vector<std::string>& args);
// The binary invoked as vigil-runc: the shim with no options of its own.
int runc_name_command(const std::vector<std::string>& args);

}  // namespace vigil::cli

// The commands on a container's way to its start: the OCI hooks (`vigil hook`) and the
// runtime shim (`vigil runtime`, or the binary run as vigil-runc). They are in both
// binaries: `vigil`, and `vigil-runc`, which has only these and none of the daemon's
// libraries, so that the processes each container start runs begin quickly.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace vigil::cli {

// `hook precreate|createRuntime|poststop`; the chosen one's exit status goes to `status`.
void add_hook_command(CLI::App& app, int& status);
// `runtime [--runtime PATH] [-c CONFIG] -- RUNC-ARGS...`.
void add_runtime_command(CLI::App& app, int& status);
// The binary invoked as vigil-runc: the shim with no options of its own (its arguments
// are the runtime's).
int runc_name_command(const std::vector<std::string>& args);

}  // namespace vigil::cli

// The commands on a container's way to its start: the OCI hooks (`vigil hook`) and the
// runtime shim (`vigil runtime`, or the binary run as vigil-runc). They are in both
// binaries: `vigil`, and `vigil-runc`, which has only these and none of the daemon's
// libraries, so that the processes each container start runs begin quickly.
#pragma once

#include <string>
#include <vector>

namespace vigil::cli {

int hook_command(const std::vector<std::string>& args);
int runtime_command(const std::vector<std::string>& args);
// The binary invoked as vigil-runc: the shim with no options of its own.
int runc_name_command(const std::vector<std::string>& args);

}  // namespace vigil::cli

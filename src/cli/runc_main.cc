// vigil-runc: the lean binary of a container's start. As vigil-runc it is the runtime shim
// (containerd's BinaryName, CRI-O's runtime_path, ctr --runc-binary); the hooks it injects
// run it as `vigil hook createRuntime|poststop`. It links none of the daemon's libraries
// (OpenSSL, prometheus-cpp, spdlog: 1.3 ms of a `vigil` process's 2.8 ms start on the test
// VM), because each container start runs it, and it is linked statically (src/cli/BUILD).
// Everything else is `vigil`, beside it.
#include <iostream>
#include <string>
#include <vector>

#include "src/cli/container_commands.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  // A runtime's first argument is a global flag or a runc command, never "hook".
  if (!args.empty() && args[0] == "hook") {
    return vigil::cli::hook_command({args.begin() + 1, args.end()});
  }
  const std::string self = argc > 0 ? argv[0] : "";
  if (self.size() >= 10 && self.compare(self.size() - 10, 10, "vigil-runc") == 0) {
    return vigil::cli::runc_name_command(args);
  }
  if (!args.empty() && args[0] == "runtime") {
    return vigil::cli::runtime_command({args.begin() + 1, args.end()});
  }
  std::cerr << "usage: vigil-runc RUNC-ARGS...   (the runtime shim; see `vigil runtime --help`)\n"
               "       vigil-runc hook STAGE [-c CONFIG]   (see `vigil hook --help`)\n"
               "Every other command is the `vigil` binary's, beside this one.\n";
  return 2;
}

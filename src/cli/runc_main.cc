// vigil-runc: the lean binary of a container's start. As vigil-runc it is the runtime shim
// (containerd's BinaryName, CRI-O's runtime_path, ctr --runc-binary); the hooks it injects
// run it as `vigil hook createRuntime|poststop`. It links none of the daemon's libraries
// (OpenSSL, prometheus-cpp, spdlog: 1.3 ms of a `vigil` process's 2.8 ms start on the test
// VM), because each container start runs it, and it is linked statically (src/cli/BUILD).
// Everything else is `vigil`, beside it.
#include <string>
#include <vector>

#include "src/cli/cli_app.h"
#include "src/cli/container_commands.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  const std::string self = argc > 0 ? argv[0] : "";
  // As vigil-runc, its arguments are a runtime's: the first is a global flag or a runc
  // command, never "hook" or "runtime".
  const bool shim = self.size() >= 10 && self.compare(self.size() - 10, 10, "vigil-runc") == 0;
  if (shim && (args.empty() || (args[0] != "hook" && args[0] != "runtime"))) {
    return vigil::cli::runc_name_command(args);
  }
  CLI::App app(
      "vigil-runc: the runtime shim (vigil-runc RUNC-ARGS...) and the OCI hooks; "
      "every other command is the `vigil` binary's, beside this one.",
      "vigil-runc");
  vigil::cli::style(app);
  app.require_subcommand(1);
  int status = vigil::cli::kExitOk;
  vigil::cli::add_hook_command(app, status);
  vigil::cli::add_runtime_command(app, status);
  return vigil::cli::run(app, argc, argv, status);
}

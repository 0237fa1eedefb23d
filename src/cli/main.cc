// The `vigil` command: dispatches to subcommands. Logic lives in the components.
#include <iostream>
#include <string>
#include <vector>

#include "src/cli/container_commands.h"
#include "src/cli/daemon_command.h"
#include "src/cli/install_command.h"
#include "src/cli/rules_command.h"
#include "src/rules/loader.h"

namespace {

constexpr const char* kHelp =
    R"(usage: vigil COMMAND [ARGS...]

vigil is a runtime security engine for Linux containers: Falco-compatible rules,
evaluated on each container's seccomp user notifications and fanotify permission events
(opens and execs on its mounts), that alert or block.

commands:
  daemon [-c CONFIG]                the keeper and its engine: answers containers'
                                    intercepted syscalls and watched opens
  hook precreate [-c CONFIG]        OCI config on stdin -> config with vigil's seccomp
                                    NOTIFY rules, listenerPath and hooks on stdout
  hook createRuntime|poststop       OCI state on stdin -> tell the daemon of a container's
                                    start or end
  status [--json] [-c CONFIG]       what the daemon is doing
  reload [-c CONFIG]                reload the daemon's rules (as SIGHUP)
  upgrade [-c CONFIG]               replace the engine by the binary now installed, keeping
                                    every container's sessions (as SIGUSR2)
  runtime [--runtime PATH] -- ARGS  runtime shim (also as vigil-runc): injects vigil into
                                    the bundle on create/run, then execs runc/crun
  rules validate [--json] PATH...   load and compile rules files; report every rule's
                                    status, interception needs and soundness, and every
                                    error with file:line:col (exit 1 on errors)
  rules list [--json] [-c CONFIG]   the rules in force under a config file
  rules test [--json] --cases FILE PATH...
                                    rules as code: run cases (field values and what must
                                    fire) through the rules, as the daemon decides
  rules replay --events FILE PATH...
                                    a recording (record: in vigil.yaml) against other
                                    rules: what they would alert and block
  install [--runtime R]... [--root DIR] [--restart] [--dry-run]
                                    put vigil on this node and register it with Docker,
                                    containerd, Podman and CRI-O (those found, or R);
                                    --root: another root (a DaemonSet's host mount)
  uninstall [--runtime R]... [--root DIR] [--restart] [--dry-run]
                                    take all of it back out
  version                           print vigil's version and the Falco rules-engine
                                    version whose format it reads
  help                              this help

Run 'vigil COMMAND --help' (rules, daemon, hook, runtime, status, install) for details.
)";

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  const std::string self = argc > 0 ? argv[0] : "";
  // As vigil-runc (a link to this binary where the lean one is not installed): the shim,
  // or the hooks it injected. A runtime's first argument is never "hook".
  if (self.size() >= 10 && self.compare(self.size() - 10, 10, "vigil-runc") == 0 &&
      (args.empty() || args[0] != "hook")) {
    return vigil::cli::runc_name_command(args);
  }
  if (args.empty()) {
    std::cerr << kHelp;
    return 2;
  }
  const std::string cmd = args[0];
  args.erase(args.begin());
  if (cmd == "-h" || cmd == "--help" || cmd == "help") {
    std::cout << kHelp;
    return 0;
  }
  if (cmd == "version" || cmd == "--version") {
    std::cout << "vigil 0.1.0 (Falco rules engine format " << vigil::rules::kFalcoEngineVersion
              << ")\n";
    return 0;
  }
  if (cmd == "rules") return vigil::cli::rules_command(args);
  if (cmd == "daemon") return vigil::cli::daemon_command(args);
  if (cmd == "hook") return vigil::cli::hook_command(args);
  if (cmd == "runtime") return vigil::cli::runtime_command(args);
  if (cmd == "install" || cmd == "uninstall") return vigil::cli::install_command(cmd, args);
  if (cmd == "status" || cmd == "reload" || cmd == "upgrade") {
    return vigil::cli::control_command(cmd, args);
  }
  std::cerr << "vigil: unknown command '" << cmd << "'\n\n" << kHelp;
  return 2;
}

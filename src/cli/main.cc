// The `vigil` command: one CLI11 parser; each subcommand registers itself from its file,
// and the logic lives in the components.
#include <iostream>
#include <string>
#include <vector>

#include "src/cli/cli_app.h"
#include "src/cli/container_commands.h"
#include "src/cli/daemon_command.h"
#include "src/cli/install_command.h"
#include "src/cli/rules_command.h"
#include "src/rules/loader.h"

namespace {

constexpr const char* kAbout =
    R"(vigil is a runtime security engine for Linux containers: Falco-compatible rules,
evaluated on each container's seccomp user notifications and fanotify permission events
(opens and execs on its mounts), that alert or block.)";

constexpr const char* kFooter =
    R"(Run 'vigil COMMAND --help' for a command's options and what it does.

exit status:
  0  done
  1  the command ran and failed: rules or a config with errors, a case that failed, the
     daemon not reachable, a file that could not be changed (each said on stderr)
  2  the command line is wrong (said on stderr); nothing was done
  a hook's and the runtime shim's statuses are the runtime's to read: see their --help)";

void print_version() {
  std::cout << "vigil 0.1.0 (Falco rules engine format " << vigil::rules::kFalcoEngineVersion
            << ")\n";
}

}  // namespace

int main(int argc, char** argv) {
  const std::string self = argc > 0 ? argv[0] : "";
  // As vigil-runc (a link to this binary where the lean one is not installed): the shim,
  // or the hooks it injected. A runtime's first argument is never "hook".
  if (self.size() >= 10 && self.compare(self.size() - 10, 10, "vigil-runc") == 0 &&
      (argc < 2 || std::string(argv[1]) != "hook")) {
    return vigil::cli::runc_name_command({argv + 1, argv + argc});
  }
  CLI::App app(kAbout, "vigil");
  vigil::cli::style(app);
  app.require_subcommand(1);
  int status = vigil::cli::kExitOk;
  app.add_flag_callback(
      "--version",
      [] {
        print_version();
        throw CLI::Success();
      },
      "print vigil's version and the Falco rules-engine version whose format it reads");
  vigil::cli::add_daemon_command(app, status);
  vigil::cli::add_hook_command(app, status);
  vigil::cli::add_control_commands(app, status);
  vigil::cli::add_runtime_command(app, status);
  vigil::cli::add_rules_command(app, status);
  vigil::cli::add_install_commands(app, status);
  app.add_subcommand("version", "print vigil's version (as --version)")->callback(print_version);
  app.add_subcommand("help", "this help")->callback([&app] { std::cout << app.help(); });
  app.footer(kFooter);  // after the subcommands: they would inherit it
  return vigil::cli::run(app, argc, argv, status);
}

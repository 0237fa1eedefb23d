#include "src/cli/container_commands.h"

#include <cstdlib>
#include <iostream>
#include <iterator>
#include <memory>

#include "src/cli/cli_app.h"
#include "src/config/config.h"
#include "src/hook/hook.h"
#include "src/runtime/shim.h"

namespace vigil::cli {
namespace {

constexpr const char* kPrecreateHelp =
    R"(OCI config.json on stdin, the config to use on stdout (Podman's precreate hook stage).
Adds the syscalls the rules need as SCMP_ACT_NOTIFY to the container's seccomp profile
(taking them out of allow rules with their argument conditions kept; syscalls the profile
denies stay denied), and sets listenerPath to the daemon's listener socket. Refuses a
config that already has a listenerPath. If the daemon is not reachable,
on_daemon_unavailable decides: allow passes the config through unchanged (the container
runs unmonitored; a warning says so), deny fails. Also adds the createRuntime hook, and
the poststop hook for a container without a pid namespace of its own (one that has it
ends with its first process, which the daemon watches). In enforce mode, makes
readonly_paths read-only and seals sealed_files (/etc/ld.so.preload: the image's own made
read-only, else /dev/null bound read-only there), looked up in root.path (relative: from
the working directory, as runc takes it).
Exit status: 0, or 1 when the config cannot be used (or the config file has errors).)";

constexpr const char* kCreateRuntimeHelp =
    R"(OCI state on stdin: registers the container with the daemon (control socket). With the
daemon down: on_daemon_unavailable decides, allow (a warning, noted for the daemon) or
deny (exit 1: the runtime does not start the container).)";

constexpr const char* kPoststopHelp =
    R"(OCI state on stdin: tells the daemon the container is gone, so it frees the container's
sessions. Never fails the runtime (exit 0 even when the daemon is down).)";

constexpr const char* kRuntimeHelp =
    R"(A runtime shim for containerd (runtime BinaryName, ctr --runc-binary) and CRI-O
(runtime_path): on `create` and `run` it injects vigil into <bundle>/config.json exactly as
`vigil hook precreate` does, then execs the real runtime with the arguments unchanged;
every other subcommand passes straight through. The binary run as vigil-runc is this shim
with no options of its own: `vigil-runc RUNC-ARGS...`. The runtime's exit status is the
shim's.)";

void add_stage(CLI::App* hook, hook::Stage stage, const char* summary, const char* help,
               int& status) {
  auto* cmd = hook->add_subcommand(std::string(hook::stage_name(stage)), summary);
  cmd->footer(help);
  auto path = std::make_shared<std::string>();
  add_config_option(cmd, *path);
  cmd->callback([stage, path, &status] {
    auto cfg = load_config(*path);
    if (!cfg) {
      status = hook::config_failure_status(stage);
      return;
    }
    const std::string input((std::istreambuf_iterator<char>(std::cin)),
                            std::istreambuf_iterator<char>());
    status = stage == hook::Stage::kPrecreate
                 ? hook::run_precreate(*cfg, input, std::cout, std::cerr)
                 : hook::run_state_hook(stage, *cfg, input, std::cerr);
  });
}

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

}  // namespace

void add_hook_command(CLI::App& app, int& status) {
  auto* hook = app.add_subcommand("hook", "the OCI hooks a runtime runs (stdin: OCI JSON)");
  hook->require_subcommand(1);
  add_stage(hook, hook::Stage::kPrecreate,
            "OCI config on stdin -> config with vigil's seccomp NOTIFY rules, listenerPath "
            "and hooks on stdout",
            kPrecreateHelp, status);
  add_stage(hook, hook::Stage::kCreateRuntime,
            "OCI state on stdin: register the container with the daemon", kCreateRuntimeHelp,
            status);
  add_stage(hook, hook::Stage::kPoststop,
            "OCI state on stdin: tell the daemon the container is gone", kPoststopHelp, status);
}

void add_runtime_command(CLI::App& app, int& status) {
  struct Options {
    std::string runtime = env_or("VIGIL_RUNTIME", "runc");
    std::string config = env_or("VIGIL_CONFIG", config::kDefaultConfigPath);
    std::vector<std::string> args;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand(
      "runtime", "runtime shim: injects vigil into the bundle on create/run, then execs runc");
  cmd->footer(kRuntimeHelp);
  cmd->add_option("--runtime", o->runtime, "the real runtime (or $VIGIL_RUNTIME)")
      ->type_name("PATH")
      ->capture_default_str();
  cmd->add_option("-c,--config", o->config, "config file (or $VIGIL_CONFIG)")
      ->type_name("PATH")
      ->capture_default_str();
  cmd->add_option("RUNC-ARGS", o->args, "the runtime's arguments, after --")
      ->type_name("")
      ->required();
  cmd->callback([o, &status] { status = runtime::run_shim(o->runtime, o->config, o->args); });
}

int runc_name_command(const std::vector<std::string>& args) {
  return runtime::run_shim(env_or("VIGIL_RUNTIME", "runc"),
                           env_or("VIGIL_CONFIG", config::kDefaultConfigPath), args);
}

}  // namespace vigil::cli

#include "src/cli/container_commands.h"

#include <cstdlib>
#include <iostream>
#include <iterator>

#include "src/cli/cli_config.h"
#include "src/config/config.h"
#include "src/hook/hook.h"
#include "src/runtime/shim.h"

namespace vigil::cli {
namespace {

constexpr const char* kHookHelp = R"(usage: vigil hook precreate|createRuntime|poststop [-c CONFIG]

precreate  OCI config.json on stdin, the config to use on stdout (Podman's precreate hook
           stage). Adds the syscalls the rules need as SCMP_ACT_NOTIFY to the container's
           seccomp profile (taking them out of allow rules with their argument conditions
           kept; syscalls the profile denies stay denied), and sets listenerPath to the
           daemon's listener socket. Refuses a config that already has a listenerPath.
           If the daemon is not reachable, on_daemon_unavailable decides: allow passes the
           config through unchanged (the container runs unmonitored; a warning says so),
           deny fails. Also adds the createRuntime hook below, and the poststop hook
           for a container without a pid namespace of its own (one that has it ends
           with its first process, which the daemon watches). In enforce mode, makes
           readonly_paths read-only and seals sealed_files (/etc/ld.so.preload: the
           image's own made read-only, else /dev/null bound read-only there), looked up
           in root.path (relative: from the working directory, as runc takes it).
createRuntime  OCI state on stdin: registers the container with the daemon (control
           socket). With the daemon down: allow (warning, noted for the daemon) or deny.
poststop   OCI state on stdin: tells the daemon the container is gone, so it frees the
           container's sessions. Never fails the runtime.
)";

}  // namespace

constexpr const char* kRuntimeHelp =
    R"(usage: vigil runtime [--runtime PATH] [-c CONFIG] -- RUNC-ARGS...
       vigil-runc RUNC-ARGS...      (the same binary under that name)

A runtime shim for containerd (runtime BinaryName, ctr --runc-binary) and CRI-O
(runtime_path): on `create` and `run` it injects vigil into <bundle>/config.json exactly as
`vigil hook precreate` does, then execs the real runtime with the arguments unchanged;
every other subcommand passes straight through. The runtime is runc unless --runtime (or
$VIGIL_RUNTIME) names another; the config is /etc/vigil/vigil.yaml unless -c (or
$VIGIL_CONFIG) names another.
)";

int runtime_command(const std::vector<std::string>& args) {
  const char* env_runtime = std::getenv("VIGIL_RUNTIME");
  const char* env_config = std::getenv("VIGIL_CONFIG");
  std::string rt = env_runtime && *env_runtime ? env_runtime : "runc";
  std::string cfg = env_config && *env_config ? env_config : config::kDefaultConfigPath;
  size_t i = 0;
  for (; i < args.size(); ++i) {
    if (args[i] == "--") {
      ++i;
      break;
    }
    if (args[i] == "-h" || args[i] == "--help") {
      std::cout << kRuntimeHelp;
      return 0;
    }
    if ((args[i] == "--runtime" || args[i] == "-c" || args[i] == "--config") &&
        i + 1 < args.size()) {
      (args[i] == "--runtime" ? rt : cfg) = args[i + 1];
      ++i;
      continue;
    }
    std::cerr << "vigil runtime: unexpected argument '" << args[i] << "' before --\n"
              << kRuntimeHelp;
    return 2;
  }
  return runtime::run_shim(rt, cfg, std::vector<std::string>(args.begin() + long(i), args.end()));
}

int runc_name_command(const std::vector<std::string>& args) {
  const char* env_runtime = std::getenv("VIGIL_RUNTIME");
  const char* env_config = std::getenv("VIGIL_CONFIG");
  return runtime::run_shim(env_runtime && *env_runtime ? env_runtime : "runc",
                           env_config && *env_config ? env_config : config::kDefaultConfigPath,
                           args);
}

int hook_command(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "-h" || args[0] == "--help") {
    std::cout << kHookHelp;
    return args.empty() ? 2 : 0;
  }
  const auto stage = hook::stage_from(args[0]);
  if (!stage) {
    std::cerr << "vigil hook: unknown stage '" << args[0] << "'\n" << kHookHelp;
    return 2;
  }
  auto cfg = config_from(args, 1, kHookHelp);
  if (!cfg) return hook::config_failure_status(*stage);
  const std::string input((std::istreambuf_iterator<char>(std::cin)),
                          std::istreambuf_iterator<char>());
  if (*stage == hook::Stage::kPrecreate) {
    return hook::run_precreate(*cfg, input, std::cout, std::cerr);
  }
  return hook::run_state_hook(*stage, *cfg, input, std::cerr);
}

}  // namespace vigil::cli

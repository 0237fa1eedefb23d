// The runtime shim: `vigil runtime [--runtime PATH] [-c CONFIG] -- RUNC-ARGS...`, or the
// binary invoked as `vigil-runc RUNC-ARGS...` (config from $VIGIL_CONFIG, runtime from
// $VIGIL_RUNTIME). On `create` and `run` it injects vigil into <bundle>/config.json, then
// execs the real runtime with the arguments unchanged; every other subcommand passes
// straight through. This is how containerd (BinaryName / ctr --runc-binary) and CRI-O
// (runtime_path) reach vigil.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace vigil::runtime {

// The runc subcommand and its --bundle/-b (default: the current directory) in `args`.
struct RuntimeCall {
  std::string subcommand;
  std::string bundle;
};
std::optional<RuntimeCall> parse_runtime_args(const std::vector<std::string>& args);

// Runs the shim; returns only on failure (exit status), else it has exec'ed the runtime.
int run_shim(const std::string& runtime, const std::string& config_path,
             const std::vector<std::string>& args);

}  // namespace vigil::runtime

// The OCI hook stages vigil registers with a runtime (Podman's precreate, and the
// createRuntime and poststop hooks it adds): what each stage does with its stdin, what it
// tells the runtime, and its exit status. The CLI only parses arguments and reads stdin.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "src/config/config.h"

namespace vigil::hook {

enum class Stage { kPrecreate, kCreateRuntime, kPoststop };

// The stage's name in OCI's hooks (and `vigil hook NAME`).
std::string_view stage_name(Stage s);

// The exit status for a stage whose config did not load: poststop never fails the runtime
// (the container is gone and nothing is left to protect); the others refuse.
int config_failure_status(Stage s);

// precreate: `input` is the OCI config.json; the config to use goes to `out` (one line of
// JSON). Adds the NOTIFY rules, listenerPath and the two hooks below.
int run_precreate(const config::Config& cfg, const std::string& input, std::ostream& out,
                  std::ostream& err);

// createRuntime and poststop: `input` is the OCI state. Registers the container with the
// daemon, or tells it the container is gone. With the daemon down, createRuntime follows
// on_daemon_unavailable (allow: a loud warning and a note for the daemon; deny: fail).
int run_state_hook(Stage stage, const config::Config& cfg, const std::string& input,
                   std::ostream& err);

}  // namespace vigil::hook

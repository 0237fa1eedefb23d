// What `vigil hook precreate` and the runtime shim share: given a container's OCI config
// and vigil's config, decide whether and how to inject vigil, following
// on_daemon_unavailable when the daemon is down.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "src/config/config.h"

namespace vigil::runtime {

struct InjectOutcome {
  bool ok = false;                    // false: the container must not be created
  std::string error;                  // why, when !ok
  std::vector<std::string> warnings;  // to print, when ok
};

// Edits `oci` in place (or leaves it, when the daemon is down and the policy allows): the
// seccomp merge, createRuntime and poststop hooks that run `vigil hook` so the daemon
// hears of the container's start and end, and (enforce mode) cfg.readonly_paths. `via`
// and `container` describe the caller for the note left when the container runs
// unmonitored.
InjectOutcome inject_config(nlohmann::json& oci, const config::Config& cfg, const std::string& via,
                            const std::string& container);

// Adds each path to linux.readonlyPaths unless an entry already covers it (the path itself
// or a folder of it).
void add_readonly_paths(nlohmann::json& oci, const std::vector<std::string>& paths);

// Leaves a note for the daemon (read when it starts again) that a container runs
// unmonitored because it was down.
void note_unmonitored(const config::Config& cfg, const std::string& via,
                      const std::string& container);

// True if something accepts connections on the daemon's listener socket.
bool daemon_reachable(const std::string& socket_path);

}  // namespace vigil::runtime

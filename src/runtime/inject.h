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
// hears of the container's start and end, and (enforce mode) cfg.readonly_paths and
// cfg.sealed_files. `via` and `container` describe the caller for the note left when the
// container runs unmonitored; `bundle` is the bundle's folder, where a relative root.path
// is ("": unknown).
InjectOutcome inject_config(nlohmann::json& oci, const config::Config& cfg, const std::string& via,
                            const std::string& container, const std::string& bundle = "");

// Adds each path to linux.readonlyPaths unless an entry already covers it (the path itself
// or a folder of it).
void add_readonly_paths(nlohmann::json& oci, const std::vector<std::string>& paths);

// Seals each file of the container's root file system (config.h, sealed_files): a file the
// image has (looked up inside `rootfs`, the root file system's host path) is made
// read-only; a file it lacks, in a folder it has, gets /dev/null bound read-only in its
// place. Where the root file system cannot be looked at, or a mount of the config holds the
// file's folder (a volume), the file is made read-only if it exists and a warning says so.
void add_sealed_files(nlohmann::json& oci, const std::vector<std::string>& files,
                      const std::string& rootfs, std::vector<std::string>& warnings);

// Leaves a note for the daemon (read when it starts again) that a container runs
// unmonitored because it was down.
void note_unmonitored(const config::Config& cfg, const std::string& via,
                      const std::string& container);

// True if something accepts connections on the daemon's listener socket.
bool daemon_reachable(const std::string& socket_path);

}  // namespace vigil::runtime

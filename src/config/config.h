// The daemon's configuration file (Falco's falco.yaml names where Falco has one). Read by
// the daemon, the hooks, the runtime shim and the CLI.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "src/rules/diagnostics.h"
#include "vigil/rule_set.h"

namespace vigil::config {

inline constexpr const char* kDefaultConfigPath = "/etc/vigil/vigil.yaml";

enum class Mode { kEnforce, kMonitor };
enum class Unavailable { kAllow, kDeny };
// How far the fanotify decision cache reaches (docs/fanotify.md): whole directories whose
// every file is proven irrelevant, single files, or nothing.
enum class DecisionCache { kDirectory, kFile, kOff };
// What a decision cache needs intercepted besides the rules' syscalls: the calls that give
// an inode another name (its cached decision would follow it; engine/cache_barrier.h).
inline const std::vector<std::string>& cache_barrier_syscalls() {
  static const std::vector<std::string> names = {"rename", "renameat", "renameat2",
                                                 "link",   "linkat",   "io_uring_setup"};
  return names;
}

struct Config {
  std::string path;  // the file read, "" for built-in defaults
  std::vector<std::string> rules_files = {"/etc/vigil/rules.d"};
  Mode mode = Mode::kEnforce;
  RuleMatching rule_matching = RuleMatching::kFirst;
  bool json_output = true;
  bool stdout_output = true;
  bool syslog_output = true;
  bool file_output = false;
  std::string file_output_path = "/var/log/vigil/alerts.json";
  std::string listener_socket = "/run/vigil/seccomp.sock";
  std::string control_socket = "/run/vigil/control.sock";
  Unavailable on_daemon_unavailable = Unavailable::kAllow;
  // A fanotify permission event held longer than this is answered by the watchdog with
  // the fallback (and alerted): a stuck evaluation never freezes a container.
  int permission_deadline_ms = 200;
  bool permission_fallback_allow = true;
  // A daemon told to stop (SIGTERM) while it holds containers waits this long for a
  // successor (`vigil daemon` started again) to take them over before it lets go of them.
  int successor_wait_s = 30;
  // The daemon's own log (not alerts), with Falco's keys: the least severe level written
  // (emergency, alert, critical, error, warning, notice, info, debug) and where it goes.
  // The event recording for `vigil rules replay` (engine/recorder.h): off by default; it
  // reads every field the rules could read for every event, before the answer.
  bool record_enabled = false;
  std::string record_path = "/var/lib/vigil/events.jsonl";
  int64_t record_max_size = 64 * 1024 * 1024;
  std::string log_level = "info";
  bool log_stderr = true;
  bool log_syslog = false;
  DecisionCache decision_cache = DecisionCache::kDirectory;
  // In enforce mode, injection adds these to the container's linux.readonlyPaths (the
  // runtime bind-mounts them read-only; "Mount in container" keeps them so). For files
  // no event source of vigil's can judge soundly: procfs refuses fanotify permission marks.
  std::vector<std::string> readonly_paths = {"/proc/sys/kernel/core_pattern"};
};

// Reads `path`. Relative rules_files are resolved against the config file's folder.
// Problems are reported into `diags` with file:line:col; returns nullopt on any error.
std::optional<Config> load_config(const std::string& path, rules::Diagnostics& diags);

}  // namespace vigil::config

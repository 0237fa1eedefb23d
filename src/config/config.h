// The daemon's configuration file (Falco's falco.yaml names where Falco has one). Read by
// the daemon, the hooks, the runtime shim and the CLI.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "src/rules/diagnostics.h"
#include "vigil/rule_set.h"
#include "vigil/verdict.h"

namespace vigil::config {

inline constexpr const char* kDefaultConfigPath = "/etc/vigil/vigil.yaml";

enum class Mode { kEnforce, kMonitor };
enum class Unavailable { kAllow, kDeny };
// How far the fanotify decision cache reaches (docs/fanotify.md): whole directories whose
// every file is proven irrelevant, single files, or nothing.
enum class DecisionCache { kDirectory, kFile, kOff };

// Falco's http_output: one POST of the alert's JSON per alert (Falcosidekick, a SIEM).
struct HttpOutput {
  bool enabled = false;
  std::string url;
  std::string user_agent = "vigil";
  bool insecure = false;                    // https without checking the server's certificate
  std::string ca_cert, ca_bundle, ca_path;  // empty: the system's CAs
  bool mtls = false;
  std::string client_cert = "/etc/vigil/certs/client/client.crt";
  std::string client_key = "/etc/vigil/certs/client/client.key";
  bool compress_uploads = false;  // gzip the body (Content-Encoding: gzip)
  bool keep_alive = true;         // one connection for every alert
};

// Falco's program_output: alerts as lines on a program's stdin (run by /bin/sh -c).
struct ProgramOutput {
  bool enabled = false;
  std::string program;
  bool keep_alive = false;  // one program for every alert (restarted if it exits), else one each
};

// Falco's webserver: the health endpoint and, when enabled, /metrics for Prometheus.
struct Webserver {
  bool enabled = false;
  std::string listen_address = "0.0.0.0";
  int listen_port = 8765;
  std::string k8s_healthz_endpoint = "/healthz";
  bool prometheus_metrics_enabled = false;
};

using vigil::RuleSelector;

// Falco's container_engines: where container names and images come from
// (engine/container_metadata.h). vigil adds docker.socket.
struct ContainerEngines {
  bool docker = true;
  std::string docker_socket = "/var/run/docker.sock";
  bool podman = true;
  bool cri = true;  // containerd (through ctr) and CRI annotations
  std::vector<std::string> cri_sockets = {"/run/containerd/containerd.sock",
                                          "/run/k3s/containerd/containerd.sock"};
};

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
  HttpOutput http_output;
  ProgramOutput program_output;
  // Falco's output options (config_outputs.cc).
  bool json_include_output_property = true;
  bool json_include_tags_property = true;
  bool time_format_iso_8601 = false;
  bool buffered_outputs = false;
  size_t outputs_queue_capacity = 65536;  // per output; Falco's 0 (unbounded) means this
  // Rules below this priority are not loaded (`rules list` shows them as left out).
  Priority min_priority = Priority::kDebug;
  std::vector<RuleSelector> rule_selectors;
  Webserver webserver;
  // Falco's watch_config_files: a change to the rules files reloads them (engine/rules_watch).
  bool watch_config_files = true;
  ContainerEngines container_engines;
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
  // Enforce mode: files of the container's root file system that no process in it may
  // create, replace or change. The image's own file is made read-only; where the image has
  // none, /dev/null is bound read-only in its place (read as empty). The dynamic loader
  // reads /etc/ld.so.preload through symlinks, which no open rule sees (rules/README.md).
  std::vector<std::string> sealed_files = {"/etc/ld.so.preload"};
};

// Reads `path`. Relative rules_files are resolved against the config file's folder.
// Problems are reported into `diags` with file:line:col; returns nullopt on any error.
std::optional<Config> load_config(const std::string& path, rules::Diagnostics& diags);

}  // namespace vigil::config

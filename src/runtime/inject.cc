// Injection policy around seccomp::inject.
#include "src/runtime/inject.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>

#include "src/common/open_in_root.h"
#include "src/common/unique_fd.h"
#include "src/config/compile_options.h"
#include "src/control/control_client.h"
#include "src/fields/container_info.h"
#include "src/rules/compiler.h"
#include "src/runtime/plan.h"
#include "src/seccomp/profile_merge.h"

namespace vigil::runtime {

bool daemon_reachable(const std::string& socket_path) {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (!fd || socket_path.size() >= sizeof(addr.sun_path)) return false;
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size());
  // The daemon takes an empty connection as a liveness probe.
  return ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
}

void note_unmonitored(const config::Config& cfg, const std::string& via,
                      const std::string& container) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(cfg.control_socket).parent_path() / "unmonitored";
  std::error_code ec;
  fs::create_directories(dir, ec);
  const auto now = std::chrono::system_clock::now();
  const auto ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
  const time_t secs = std::chrono::system_clock::to_time_t(now);
  char when[64];
  std::strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&secs));
  std::ofstream(dir / (std::to_string(ns) + "-" + std::to_string(::getpid()) + ".json"))
      << nlohmann::json{{"container", container}, {"time", when}, {"via", via}}.dump() << "\n";
}

namespace {

void add_hook(nlohmann::json& oci, const char* stage, const std::string& self,
              const config::Config& cfg) {
  nlohmann::json hook = {{"path", self}, {"args", {"vigil", "hook", stage}}};
  if (!cfg.path.empty()) {
    // Hooks run with the runtime's working directory: the path must not be relative.
    std::error_code ec;
    const auto abs = std::filesystem::absolute(cfg.path, ec);
    hook["args"].push_back("-c");
    hook["args"].push_back(ec ? cfg.path : abs.lexically_normal().string());
  }
  hook["timeout"] = 10;
  nlohmann::json& hooks = oci["hooks"];
  if (!hooks.is_object()) hooks = nlohmann::json::object();
  nlohmann::json& list = hooks[stage];
  if (!list.is_array()) list = nlohmann::json::array();
  list.push_back(hook);
}

// The plan of the daemon's own rules and config; nullopt if it cannot give one.
std::optional<ContainerPlan> plan_from_daemon(const config::Config& cfg) {
  std::string error;
  const auto resp = control::control_request(cfg.control_socket, {{"op", "injection_plan"}}, error,
                                             /*timeout_ms=*/2000);
  if (!resp || !resp->value("ok", false) || !resp->contains("plan")) return std::nullopt;
  return plan_from_json((*resp)["plan"], error);
}

}  // namespace

void add_readonly_paths(nlohmann::json& oci, const std::vector<std::string>& paths) {
  if (paths.empty()) return;
  nlohmann::json& linux_ = oci["linux"];
  if (!linux_.is_object()) linux_ = nlohmann::json::object();
  nlohmann::json& ro = linux_["readonlyPaths"];
  if (!ro.is_array()) ro = nlohmann::json::array();
  for (const auto& p : paths) {
    // Already read-only if an entry is the path or one of its folders (/proc/sys).
    bool covered = false;
    for (const auto& e : ro) {
      if (!e.is_string()) continue;
      const std::string d = e.get<std::string>();
      if (p == d || (p.size() > d.size() && p.compare(0, d.size(), d) == 0 && p[d.size()] == '/')) {
        covered = true;
      }
    }
    if (!covered) ro.push_back(p);
  }
}

namespace {

// What is at `path` inside the root file system `root_fd` (resolved in it, the last
// component not followed): -1 nothing, 0 a folder, 1 anything else.
int entry_kind(int root_fd, const std::string& path) {
  UniqueFd fd(open_in_root(root_fd, path, O_PATH | O_NOFOLLOW | O_CLOEXEC, RESOLVE_NO_MAGICLINKS));
  struct stat st;
  if (!fd || ::fstat(fd.get(), &st) != 0) return -1;
  return S_ISDIR(st.st_mode) ? 0 : 1;
}

}  // namespace

void add_sealed_files(nlohmann::json& oci, const std::vector<std::string>& files,
                      const std::string& rootfs, std::vector<std::string>& warnings) {
  if (files.empty()) return;
  UniqueFd root(rootfs.empty() ? -1 : ::open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  nlohmann::json& mounts = oci["mounts"];
  if (!mounts.is_array()) mounts = nlohmann::json::array();
  for (const auto& file : files) {
    const std::string folder = file.substr(0, std::max<size_t>(file.rfind('/'), 1));
    // A mount of the config at the file's folder or above it (a volume on /etc): the root
    // file system does not say what is there, and a bind would make a file in the volume.
    std::string held_by;
    for (const auto& m : mounts) {
      const std::string d = m.is_object() ? m.value("destination", std::string()) : "";
      if (d.empty()) continue;
      if (d == file) held_by = d;  // already a mount of its own: left as it is
      if (folder == d || (folder.size() > d.size() && folder.compare(0, d.size(), d) == 0 &&
                          (d == "/" || folder[d.size()] == '/'))) {
        held_by = d;
      }
    }
    if (!root || !held_by.empty()) {
      if (held_by != file) add_readonly_paths(oci, {file});
      warnings.push_back("WARNING: " + file + " is sealed only if it exists: " +
                         (root ? "a mount of the config holds " + held_by
                               : "the root file system " + rootfs + " cannot be opened"));
      continue;
    }
    const int kind = entry_kind(root.get(), file);
    if (kind >= 0) {
      add_readonly_paths(oci, {file});  // the image's own (a folder there is left alone)
      continue;
    }
    if (entry_kind(root.get(), folder) != 0) continue;  // no folder: nothing reads it there
    mounts.push_back({{"destination", file},
                      {"type", "bind"},
                      {"source", "/dev/null"},
                      {"options", {"bind", "ro"}}});
  }
}

InjectOutcome inject_config(nlohmann::json& oci, const config::Config& cfg, const std::string& via,
                            const std::string& container, const std::string& bundle) {
  InjectOutcome out;
  if (!oci.is_object()) {
    out.error = "the OCI config is not a JSON object";
    return out;
  }
  if (!daemon_reachable(cfg.listener_socket)) {
    if (cfg.on_daemon_unavailable == config::Unavailable::kDeny) {
      out.error = "the vigil daemon is not reachable on " + cfg.listener_socket +
                  " and on_daemon_unavailable is deny";
      return out;
    }
    out.ok = true;
    note_unmonitored(cfg, via, container);
    out.warnings.push_back("WARNING: the vigil daemon is not reachable on " + cfg.listener_socket +
                           "; the container runs UNMONITORED (on_daemon_unavailable: allow)");
    return out;
  }
  std::optional<ContainerPlan> container_plan = plan_from_daemon(cfg);
  if (!container_plan) {
    // The daemon could not say (an older daemon, a timeout): the rules of our own config,
    // compiled as the daemon compiles them (its rules: selectors and priority included).
    auto result = rules::load_and_compile(cfg.rules_files, config::compile_options(cfg));
    if (result.diagnostics.has_errors()) {
      out.error = "the rules have errors:";
      for (const auto& d : result.diagnostics.sorted()) {
        if (d.severity == rules::Severity::kError) {
          out.error += "\n  " + rules::format_diagnostic(d);
        }
      }
      return out;
    }
    container_plan = plan_for(*result.rules, cfg);
  }
  add_readonly_paths(oci, container_plan->readonly_paths);
  if (!container_plan->sealed_files.empty()) {
    std::string rootfs;
    if (const auto r = oci.find("root"); r != oci.end() && r->is_object()) {
      rootfs = r->value("path", std::string());
    }
    if (!rootfs.empty() && rootfs[0] != '/') rootfs = bundle.empty() ? "" : bundle + "/" + rootfs;
    add_sealed_files(oci, container_plan->sealed_files, rootfs, out.warnings);
  }
  seccomp::InjectionPlan plan = container_plan->seccomp;
  plan.listener_path = cfg.listener_socket;
  seccomp::InjectionReport report;
  if (!seccomp::inject(oci, plan, report, out.error)) return out;
  for (const auto& s : report.skipped) {
    out.warnings.push_back("WARNING: " + s +
                           " is denied by the profile for some arguments; vigil does not "
                           "intercept it");
  }
  char self[4096];
  const ssize_t n = ::readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n > 0) {
    self[n] = 0;
    add_hook(oci, "createRuntime", self, cfg);
    // With a pid namespace of its own, the container ends with its first process, which
    // the daemon watches (a pidfd): no poststop process. Without one, processes may
    // outlive it, and only the runtime's poststop says the container is gone.
    if (!fields::has_own_pid_namespace(oci)) add_hook(oci, "poststop", self, cfg);
  }
  out.ok = true;
  return out;
}

}  // namespace vigil::runtime

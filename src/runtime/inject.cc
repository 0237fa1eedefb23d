// Injection policy around seccomp::inject.
#include "src/runtime/inject.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <unistd.h>

#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>

#include "src/common/unique_fd.h"
#include "src/rules/compiler.h"
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

InjectOutcome inject_config(nlohmann::json& oci, const config::Config& cfg, const std::string& via,
                            const std::string& container) {
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
  rules::CompileOptions opts;
  opts.matching = cfg.rule_matching;
  auto result = rules::load_and_compile(cfg.rules_files, opts);
  if (result.diagnostics.has_errors()) {
    out.error = "the rules have errors:";
    for (const auto& d : result.diagnostics.sorted()) {
      if (d.severity == rules::Severity::kError) out.error += "\n  " + rules::format_diagnostic(d);
    }
    return out;
  }
  if (cfg.mode == config::Mode::kEnforce) add_readonly_paths(oci, cfg.readonly_paths);
  seccomp::InjectionPlan plan;
  plan.syscalls = result.rules->syscalls();
  // Cached file decisions must not follow a file through a rename or link (CacheBarrier).
  if (cfg.decision_cache != config::DecisionCache::kOff &&
      (result.rules->file_channels() & channel_bit(Channel::kFileOpen))) {
    for (const auto& s : config::cache_barrier_syscalls()) plan.syscalls.insert(s);
  }
  // Rules that care about clone only for some flags: a fork stays in the kernel. clone3
  // passes its flags in memory, out of any filter's reach: it gets ENOSYS, as the
  // runtimes' default profiles answer it, and libc falls back to clone.
  for (const auto& [s, f] : result.rules->flag_filters()) plan.filters[s] = {f.index, f.bits};
  if (plan.syscalls.count("clone")) plan.enosys.insert("clone3");
  // Rules that only care about opens for writing: read-only opens stay in the kernel.
  for (const auto& s : result.rules->write_only_syscalls()) {
    plan.filters[s] = {s == "open" ? 1u : 2u, uint64_t(O_WRONLY | O_RDWR | O_CREAT | O_TRUNC)};
  }
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
    add_hook(oci, "poststop", self, cfg);
  }
  out.ok = true;
  return out;
}

}  // namespace vigil::runtime

// Injection policy around seccomp::inject.
#include "src/runtime/inject.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <cstring>

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

InjectOutcome inject_config(nlohmann::json& oci, const config::Config& cfg) {
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
  seccomp::InjectionPlan plan;
  plan.syscalls = result.rules->syscalls();
  plan.listener_path = cfg.listener_socket;
  seccomp::InjectionReport report;
  if (!seccomp::inject(oci, plan, report, out.error)) return out;
  for (const auto& s : report.skipped) {
    out.warnings.push_back("WARNING: " + s +
                           " is denied by the profile for some arguments; vigil does not "
                           "intercept it");
  }
  out.ok = true;
  return out;
}

}  // namespace vigil::runtime

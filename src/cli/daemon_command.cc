// Subcommands that run the engine or inject it into containers.
#include "src/cli/daemon_command.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <cstring>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "src/common/unique_fd.h"
#include "src/config/config.h"
#include "src/engine/daemon.h"
#include "src/rules/compiler.h"
#include "src/seccomp/profile_merge.h"

namespace vigil::cli {
namespace {

constexpr const char* kDaemonHelp = R"(usage: vigil daemon [-c CONFIG]

Runs the engine: listens on the config's listener_socket for runtimes (runc, crun) that
hand over a container's seccomp notify fd, answers every intercepted syscall according to
the rules (CONTINUE, or an errno for action: block, SIGKILL for action: kill; in mode:
monitor nothing is blocked and alerts say what would have been), and writes alerts to
stdout, syslog and/or a JSON-lines file. SIGHUP reloads the rules (a broken rule set keeps
the old one); SIGINT or SIGTERM stop. Default config: /etc/vigil/vigil.yaml.
)";

constexpr const char* kHookHelp = R"(usage: vigil hook precreate [-c CONFIG]

precreate  OCI config.json on stdin, the config to use on stdout (Podman's precreate hook
           stage). Adds the syscalls the rules need as SCMP_ACT_NOTIFY to the container's
           seccomp profile (taking them out of allow rules with their argument conditions
           kept; syscalls the profile denies stay denied), and sets listenerPath to the
           daemon's listener socket. Refuses a config that already has a listenerPath.
           If the daemon is not reachable, on_daemon_unavailable decides: allow passes the
           config through unchanged (the container runs unmonitored; a warning says so),
           deny fails.
)";

std::optional<config::Config> config_from(const std::vector<std::string>& args, size_t first,
                                          const char* help) {
  std::string path = config::kDefaultConfigPath;
  for (size_t i = first; i < args.size(); ++i) {
    if ((args[i] == "-c" || args[i] == "--config") && i + 1 < args.size()) {
      path = args[++i];
    } else if (args[i] == "-h" || args[i] == "--help") {
      std::cout << help;
      std::exit(0);
    } else {
      std::cerr << "vigil: unexpected argument '" << args[i] << "'\n" << help;
      std::exit(2);
    }
  }
  rules::Diagnostics diags;
  auto cfg = config::load_config(path, diags);
  for (const auto& d : diags.all()) std::cerr << rules::format_diagnostic(d) << "\n";
  return cfg;
}

bool daemon_reachable(const std::string& socket_path) {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (!fd || socket_path.size() >= sizeof(addr.sun_path)) return false;
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size());
  return ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
}

}  // namespace

int daemon_command(const std::vector<std::string>& args) {
  auto cfg = config_from(args, 0, kDaemonHelp);
  if (!cfg) return 1;
  engine::Daemon daemon(*cfg);
  if (!daemon.start()) return 1;
  daemon.run();
  return 0;
}

int hook_command(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "-h" || args[0] == "--help") {
    std::cout << kHookHelp;
    return args.empty() ? 2 : 0;
  }
  if (args[0] != "precreate") {
    std::cerr << "vigil hook: unknown stage '" << args[0] << "'\n" << kHookHelp;
    return 2;
  }
  auto cfg = config_from(args, 1, kHookHelp);
  if (!cfg) return 1;
  const std::string input((std::istreambuf_iterator<char>(std::cin)),
                          std::istreambuf_iterator<char>());
  nlohmann::json oci = nlohmann::json::parse(input, nullptr, false);
  if (oci.is_discarded() || !oci.is_object()) {
    std::cerr << "vigil hook precreate: stdin is not an OCI config (JSON object)\n";
    return 1;
  }
  if (!daemon_reachable(cfg->listener_socket)) {
    if (cfg->on_daemon_unavailable == config::Unavailable::kDeny) {
      std::cerr << "vigil hook precreate: the vigil daemon is not reachable on "
                << cfg->listener_socket << " and on_daemon_unavailable is deny\n";
      return 1;
    }
    std::cerr << "vigil hook precreate: WARNING: the vigil daemon is not reachable on "
              << cfg->listener_socket << "; the container runs UNMONITORED "
              << "(on_daemon_unavailable: allow)\n";
    std::cout << oci.dump() << "\n";
    return 0;
  }
  rules::CompileOptions opts;
  opts.matching = cfg->rule_matching;
  auto result = rules::load_and_compile(cfg->rules_files, opts);
  if (result.diagnostics.has_errors()) {
    for (const auto& d : result.diagnostics.sorted()) {
      if (d.severity == rules::Severity::kError) std::cerr << rules::format_diagnostic(d) << "\n";
    }
    return 1;
  }
  seccomp::InjectionPlan plan;
  plan.syscalls = result.rules->syscalls();
  plan.listener_path = cfg->listener_socket;
  seccomp::InjectionReport report;
  std::string error;
  if (!seccomp::inject(oci, plan, report, error)) {
    std::cerr << "vigil hook precreate: " << error << "\n";
    return 1;
  }
  for (const auto& s : report.skipped) {
    std::cerr << "vigil hook precreate: WARNING: " << s
              << " is denied by the profile for some arguments; vigil does not intercept it\n";
  }
  std::cout << oci.dump() << "\n";
  return 0;
}

}  // namespace vigil::cli

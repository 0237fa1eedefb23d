// Subcommands that run the engine or ask it something.
#include "src/cli/daemon_command.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>

#include "src/cli/cli_app.h"
#include "src/common/log.h"
#include "src/config/compile_options.h"
#include "src/config/config.h"
#include "src/control/control_client.h"
#include "src/control/control_protocol.h"
#include "src/engine/engine.h"
#include "src/rules/compiler.h"

namespace vigil::cli {
namespace {

constexpr const char* kDaemonHelp =
    R"(Runs vigil: listens on the config's listener_socket for runtimes (runc, crun) that hand
over a container's seccomp notify fd, and on control_socket for the hooks; answers every
intercepted syscall and watched open according to the rules (CONTINUE, or an errno for
action: block, SIGKILL for action: kill; in mode: monitor nothing is blocked and alerts say
what would have been), and writes alerts to stdout, syslog and/or a JSON-lines file.

The process started is the keeper: it binds both sockets, starts the engine (the process
that evaluates) and holds a copy of every container's listener and fanotify fds, so an
engine that crashes is replaced and no container sees ENOSYS or a frozen open
(docs/keeper.md). An engine that keeps dying soon after its start is restarted with a
growing pause (1 s to 60 s; alerted, and shown by `vigil status`). --no-keeper runs the
engine alone (tests, debugging).

Rules or a config with errors: the errors are printed and vigil daemon exits 1.

Started while another vigil daemon runs on the same sockets, it takes over every
container from it (the running one hands over its sockets, sessions and watches, then
exits): a restart or roll-out never breaks a container. --after-handover wait: the one
that handed over does not exit but waits for SIGTERM, holding nothing and answering its
health endpoint with 200 (a Kubernetes pod, whose exit would be restarted and take
everything back; deploy/kubernetes/ uses it). Default: exit.

Signals to the keeper: SIGHUP reloads the rules (a broken rule set keeps the old one);
SIGUSR1 reopens the output files (after a log rotation); SIGUSR2 upgrades (the engine is
replaced by the binary now at this path, sessions kept); SIGINT or SIGTERM stop: with
containers running, it first waits up to successor_wait_s (30) for a new vigil daemon to
take them over; with none, it lets go of them (their intercepted syscalls then fail with
ENOSYS; a Critical alert says so). A second SIGTERM stops at once.)";

// The keeper holds about 8.5 fds per container and the engine as many, plus its kept /proc
// files: a shell's soft limit of 1024 would stop a node at about a hundred containers.
// The soft limit goes up to the hard one (systemd's unit sets both high; a pod inherits
// its runtime's); a hard limit that is low is said.
void raise_fd_limit() {
  rlimit r{};
  if (::getrlimit(RLIMIT_NOFILE, &r) != 0) return;
  if (r.rlim_cur < r.rlim_max) {
    r.rlim_cur = r.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &r) != 0) ::getrlimit(RLIMIT_NOFILE, &r);
  }
  if (r.rlim_cur < 4096) {
    std::cerr << "vigil daemon: WARNING: at most " << r.rlim_cur
              << " open files (RLIMIT_NOFILE): each container takes about 17 of them; raise "
                 "the hard limit (systemd: LimitNOFILE)\n";
  }
}

struct DaemonOptions {
  std::string config;
  bool engine_mode = false;
  bool no_keeper = false;
  std::string after = "exit";
};

int run_daemon(const DaemonOptions& o) {
  const bool engine_mode = o.engine_mode, no_keeper = o.no_keeper;
  const auto after =
      o.after == "wait" ? keeper::AfterHandover::kWait : keeper::AfterHandover::kExit;
  // Held until a handler is in place (the keeper's signalfd, the engine's signal set): a
  // SIGHUP or SIGTERM that arrives while starting is then handled, never fatal. The engine
  // inherits the mask across exec and lets them in once it can handle them.
  sigset_t held;
  sigemptyset(&held);
  for (int s : {SIGHUP, SIGINT, SIGTERM, SIGUSR1, SIGUSR2}) sigaddset(&held, s);
  ::sigprocmask(SIG_BLOCK, &held, nullptr);
  auto cfg = load_config(o.config);
  if (!cfg) return kExitFailed;
  if (!engine_mode) {
    // Fail like a service: rules that do not load stop the start here, before any socket
    // is touched or a running daemon is asked to hand over.
    auto loaded = rules::load_and_compile(cfg->rules_files, config::compile_options(*cfg));
    if (loaded.diagnostics.has_errors()) {
      for (const auto& d : loaded.diagnostics.sorted()) {
        if (d.severity == rules::Severity::kError) {
          std::cerr << rules::format_diagnostic(d) << "\n";
        }
      }
      std::cerr << "vigil daemon: the rules have errors; not started\n";
      return kExitFailed;
    }
    raise_fd_limit();  // the engine inherits it
  }
  if (!engine_mode && !no_keeper) {
    char exe[4096];
    const ssize_t n = ::readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0) {
      std::cerr << "vigil: cannot find its own binary (/proc/self/exe)\n";
      return kExitFailed;
    }
    // The path, not the inode: an upgrade (SIGUSR2) starts whatever binary is there then.
    std::string path(exe, size_t(n));
    return keeper::run_keeper(path, cfg->path, *cfg, after);
  }
  keeper::EngineLink link;
  if (engine_mode) {
    link.channel = keeper::kEngineChannelFd;
    link.listener = keeper::kEngineListenerFd;
    link.control = keeper::kEngineControlFd;
    // The webserver's socket comes only when the keeper has one.
    if (::fcntl(keeper::kEngineWebFd, F_GETFD) >= 0) link.web = keeper::kEngineWebFd;
    for (int fd : {link.channel, link.listener, link.control, link.web}) {
      if (fd >= 0) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
    for (int fd : {link.listener, link.control}) {
      int listening = 0;
      socklen_t len = sizeof(listening);
      if (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || !listening) {
        std::cerr << "vigil: --engine is started by `vigil daemon`: fd " << fd
                  << " is not a listening socket\n";
        return kExitFailed;
      }
    }
  }
  log::init("vigil", {cfg->log_level, cfg->log_stderr, cfg->log_syslog});
  int rc = kExitOk;
  {
    engine::Engine engine(*cfg, link);
    if (engine.start()) {
      engine.run();
    } else {
      rc = kExitFailed;
    }
  }
  log::shutdown();
  return rc;
}

constexpr const char* kStatusHelp =
    R"(What the daemon is doing: mode, rules in force, events answered, dropped alerts, whether
its keeper is alive, the containers it holds a seccomp session for, and per output what it
wrote, dropped (queue full) and failed to write (from its control socket). Exit 1 if the
daemon cannot be reached.)";
constexpr const char* kReloadHelp =
    R"(Makes the daemon reload its rules (as SIGHUP does); prints the errors of a broken rule
set, which leaves the previous one in force. Exit 1 if the reload failed or the daemon
cannot be reached.)";
constexpr const char* kUpgradeHelp =
    R"(Replaces the engine by the vigil binary now installed at the daemon's path (as SIGUSR2
to the keeper does); every container's session and file watch is handed over, none sees
ENOSYS or a frozen open (docs/keeper.md). Exit 1 if the daemon cannot be reached.)";

int control_command(const std::string& op, const std::string& config_path, bool json) {
  auto cfg = load_config(config_path);
  if (!cfg) return kExitFailed;
  std::string error;
  control::Request request;
  request.op = *control::parse_op(op);
  auto resp = control::control_request(cfg->control_socket, control::encode(request), error, 30000);
  if (!resp) {
    std::cerr << "vigil " << op << ": " << error << "\n";
    return kExitFailed;
  }
  if (json || !resp->value("ok", false)) {
    std::cout << resp->dump(2) << "\n";
    return resp->value("ok", false) ? kExitOk : kExitFailed;
  }
  if (op == "reload") {
    std::cout << "rules reloaded\n";
    return kExitOk;
  }
  if (op == "upgrade") {
    std::cout << "engine " << resp->value("engine_pid", 0)
              << " is being replaced; its sessions are handed over\n";
    return kExitOk;
  }
  std::cout << "mode: " << resp->value("mode", std::string()) << "\n"
            << "rules in force: " << resp->value("rules_in_force", 0) << "\n"
            << "events answered: " << resp->value("events", 0) << "\n"
            << "alerts dropped: " << resp->value("alerts_dropped", 0) << "\n"
            << "opens whose flags were unreadable (judged as writes): "
            << resp->value("open_intents_unknown", 0) << "\n"
            << "keeper: "
            << (!resp->contains("keeper") || (*resp)["keeper"].is_null()
                    ? std::string("none (--no-keeper)")
                : (*resp)["keeper"].value("alive", false)
                    ? "alive (pid " + std::to_string((*resp)["keeper"].value("pid", 0)) + ")"
                    : "GONE: the engine is the last holder of the containers' fds; restart "
                      "vigil daemon")
            << "\n";
  if (resp->contains("engine") && (*resp)["engine"].is_object()) {
    const auto& e = (*resp)["engine"];
    std::cout << "engine: pid " << e.value("pid", 0) << ", " << e.value("restarts", 0)
              << " restarts";
    if (e.value("restarts", 0) > 0) {
      std::cout << " (last: it " << e.value("last_exit", std::string()) << ")";
    }
    if (e.value("backoff_s", 0) > 0) {
      std::cout << "; KEEPS DYING: started after " << e.value("backoff_s", 0) << " s of back-off";
    }
    std::cout << "\n";
  }
  if (resp->contains("on_stop")) {
    std::cout << "on stop: " << resp->value("on_stop", std::string()) << "\n";
  }
  std::cout << "seccomp sessions: " << (*resp)["seccomp_sessions"].size() << "\n";
  if (resp->contains("outputs") && (*resp)["outputs"].is_array()) {
    std::cout << "outputs:";
    for (const auto& o : (*resp)["outputs"]) {
      std::cout << " " << o.value("name", std::string()) << " (written " << o.value("written", 0)
                << ", dropped " << o.value("dropped", 0) << ", failed " << o.value("failed", 0)
                << ")";
    }
    std::cout << "\n";
  }
  for (const auto& c : (*resp)["seccomp_sessions"]) {
    std::cout << "  " << c.value("id", std::string()) << "  " << c.value("name", std::string())
              << "  notifications=" << c.value("notifications", 0) << "\n";
  }
  return kExitOk;
}

}  // namespace

void add_daemon_command(CLI::App& app, int& status) {
  auto o = std::make_shared<DaemonOptions>();
  auto* cmd = app.add_subcommand(
      "daemon", "the keeper and its engine: answer containers' intercepted syscalls and opens");
  cmd->footer(kDaemonHelp);
  add_config_option(cmd, o->config);
  cmd->add_flag("--no-keeper", o->no_keeper, "run the engine alone (tests, debugging)");
  cmd->add_option("--after-handover", o->after,
                  "after handing every container to a successor: exit, or wait for SIGTERM")
      ->type_name("")
      ->check(CLI::IsMember({"exit", "wait"}))
      ->capture_default_str();
  // Started by a keeper, with fds 3, 4 and 5: not for users, so not in the help.
  cmd->add_flag("--engine", o->engine_mode)->group("");
  cmd->callback([o, &status] { status = run_daemon(*o); });
}

void add_control_commands(CLI::App& app, int& status) {
  struct Options {
    std::string config;
    bool json = false;
  };
  const struct {
    const char* name;
    const char* summary;
    const char* help;
  } commands[] = {
      {"status", "what the daemon is doing", kStatusHelp},
      {"reload", "reload the daemon's rules (as SIGHUP)", kReloadHelp},
      {"upgrade",
       "replace the engine by the binary now installed, keeping every container's sessions "
       "(as SIGUSR2)",
       kUpgradeHelp},
  };
  for (const auto& c : commands) {
    auto o = std::make_shared<Options>();
    auto* cmd = app.add_subcommand(c.name, c.summary);
    cmd->footer(c.help);
    add_config_option(cmd, o->config);
    const std::string op = c.name;
    if (op == "status") cmd->add_flag("--json", o->json, "print the daemon's JSON answer");
    cmd->callback([o, op, &status] { status = control_command(op, o->config, o->json); });
  }
}

}  // namespace vigil::cli

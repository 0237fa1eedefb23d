// The keeper's loop: poll the engine channel, a signalfd and the hand-over socket; keep,
// forget, respawn (with a back-off for an engine that keeps dying), hand over, let go.
#include "src/keeper/keeper.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <vector>

#include "src/common/log.h"
#include "src/keeper/keeper_channel.h"
#include "src/keeper/keeper_handover.h"
#include "src/keeper/systemd.h"
#include "src/web/webserver.h"

namespace vigil::keeper {
namespace {

using Clock = std::chrono::steady_clock;

UniqueFd listen_on(const std::string& path, int type) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  ::unlink(path.c_str());
  UniqueFd fd(::socket(AF_UNIX, type | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (!fd || path.size() >= sizeof(addr.sun_path)) return {};
  std::memcpy(addr.sun_path, path.c_str(), path.size());
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::chmod(path.c_str(), 0600) != 0 || ::listen(fd.get(), 128) != 0) {
    log::error("cannot listen on " + path + ": " + std::strerror(errno));
    return {};
  }
  return fd;
}

// A death the engine did not bring on itself (an operator, the OOM killer, a test): the
// successor starts at once. Anything else that dies soon after its start is backed off.
bool killed_from_outside(int status) { return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL; }

std::string exit_text(int status) {
  return WIFSIGNALED(status) ? "was killed by signal " + std::to_string(WTERMSIG(status))
                             : "exited with " + std::to_string(WEXITSTATUS(status));
}

class Keeper {
 public:
  Keeper(std::string exe, std::string config_path, const config::Config& cfg, AfterHandover after)
      : exe_(std::move(exe)), config_path_(std::move(config_path)), cfg_(cfg), after_(after) {}

  int run() {
    sigset_t set;
    sigemptyset(&set);
    for (int s : {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2}) sigaddset(&set, s);
    ::sigprocmask(SIG_BLOCK, &set, &old_mask_);
    signals_.reset(::signalfd(-1, &set, SFD_CLOEXEC));
    if (!signals_) {
      log::error(std::string("signalfd: ") + std::strerror(errno));
      return 1;
    }
    std::string error;
    if (auto stored = take_from_systemd(cfg_, error)) {
      log::info("took back from systemd's file descriptor store: " +
                std::to_string(stored->kept.size()) + " kept items and both sockets");
      listener_ = std::move(stored->listener);
      control_ = std::move(stored->control);
      web_ = std::move(stored->web);
      kept_ = std::move(stored->kept);
    } else if (!error.empty()) {
      log::error("systemd's file descriptor store: " + error + "; starting afresh");
      error.clear();
    }
    if (listener_) {
      // taken back from systemd above
    } else if (auto taken = take_over(cfg_, error)) {
      log::info("took over from the running daemon (pid " + std::to_string(taken->from) +
                "): " + std::to_string(taken->kept.size()) + " kept items and both sockets");
      listener_ = std::move(taken->listener);
      control_ = std::move(taken->control);
      web_ = std::move(taken->web);
      kept_ = std::move(taken->kept);
    } else if (!error.empty()) {
      log::error("cannot take over from the running daemon: " + error +
                 "; it keeps serving, this one exits");
      return 1;
    } else {
      listener_ = listen_on(cfg_.listener_socket, SOCK_STREAM);
      control_ = listen_on(cfg_.control_socket, SOCK_STREAM);
      if (!listener_ || !control_) return 1;
    }
    settle_web();
    // Bound only now: a predecessor listened on this path until it handed over.
    handover_ = listen_on(handover_socket_path(cfg_), SOCK_SEQPACKET);
    if (!handover_) log::error("no hand-over socket: a successor cannot take over from this one");
    if (!spawn()) return 1;
    for (;;) {
      if (auto rc = step()) return *rc;
    }
  }

 private:
  // The webserver's socket as the config wants it: a kept one on another address is
  // replaced, one no longer wanted closed. A port it cannot bind is said and left out.
  void settle_web() {
    const auto& w = cfg_.webserver;
    if (!w.enabled) {
      web_.reset();
      return;
    }
    if (web_ && (!web::bound_to(web_.get(), w.listen_address, w.listen_port) ||
                 web::in_other_netns(web_.get()))) {
      web_.reset();  // another address, or a predecessor's in another pod
    }
    std::string error;
    if (!web_) web_ = web::listen_tcp(w.listen_address, w.listen_port, error);
    if (!web_) {
      log::error("webserver: " + error + "; no health endpoint or metrics");
      return;
    }
    // Its own accepts (web::answer_unavailable) must never wait.
    ::fcntl(web_.get(), F_SETFL, ::fcntl(web_.get(), F_GETFL) | O_NONBLOCK);
  }

  // One turn of the loop; an exit status when the keeper is done.
  std::optional<int> step() {
    // While no engine serves, the keeper answers the webserver itself (503, and why).
    const bool answer_web = web_ && !(engine_ > 0 && engine_started_);
    pollfd p[4] = {{signals_.get(), POLLIN, 0},
                   {handover_.get(), POLLIN, 0},
                   {channel_ ? channel_.get() : -1, POLLIN, 0},
                   {answer_web ? web_.get() : -1, POLLIN, 0}};
    const int n = ::poll(p, 4, timeout_ms());
    if (n < 0 && errno != EINTR) return 1;
    if (respawn_at_ && Clock::now() >= *respawn_at_) {
      respawn_at_.reset();
      if (!spawn()) respawn_at_ = Clock::now() + std::chrono::seconds(1);
    }
    if (stop_deadline_ && !successor_ && Clock::now() >= *stop_deadline_) return let_go();
    if (n <= 0) return std::nullopt;
    if (p[0].revents & POLLIN) {
      signalfd_siginfo si;
      if (::read(signals_.get(), &si, sizeof(si)) == sizeof(si))
        return on_signal(int(si.ssi_signo));
      return std::nullopt;  // a signal may have replaced the channel: poll the new one
    }
    if (p[1].revents & POLLIN) {
      if (on_successor()) return after_hand_over();
    }
    if (p[3].revents & POLLIN) web::answer_unavailable(web_.get(), unavailable_reason());
    if (channel_ && (p[2].revents & (POLLIN | POLLHUP | POLLERR))) on_message();
    return std::nullopt;
  }

  int timeout_ms() const {
    std::optional<Clock::time_point> next = respawn_at_;
    if (stop_deadline_ && (!next || *stop_deadline_ < *next)) next = stop_deadline_;
    if (!next) return -1;
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(*next - Clock::now()).count();
    return int(std::clamp<int64_t>(left, 0, 60000));
  }

  // Starts an engine and hands it everything kept. False if it cannot even be started.
  bool spawn() {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
      log::error(std::string("socketpair: ") + std::strerror(errno));
      return false;
    }
    UniqueFd mine(sv[0]), theirs(sv[1]);
    const pid_t pid = ::fork();
    if (pid < 0) {
      log::error(std::string("fork: ") + std::strerror(errno));
      return false;
    }
    if (pid == 0) {
      // Only these three reach the engine: every other fd of the keeper (the kept ones
      // included) is O_CLOEXEC, and the engine gets the kept ones by message.
      ::sigprocmask(SIG_SETMASK, &old_mask_, nullptr);
      // Out of the way first: any of them may itself be fd 3, 4 or 5.
      const int channel = ::fcntl(theirs.get(), F_DUPFD_CLOEXEC, 10);
      const int listener = ::fcntl(listener_.get(), F_DUPFD_CLOEXEC, 10);
      const int control = ::fcntl(control_.get(), F_DUPFD_CLOEXEC, 10);
      const int web = web_ ? ::fcntl(web_.get(), F_DUPFD_CLOEXEC, 10) : -1;
      if (channel < 0 || listener < 0 || control < 0 || ::dup2(channel, kEngineChannelFd) < 0 ||
          ::dup2(listener, kEngineListenerFd) < 0 || ::dup2(control, kEngineControlFd) < 0 ||
          (web_ && (web < 0 || ::dup2(web, kEngineWebFd) < 0))) {
        _exit(126);
      }
      ::execl(exe_.c_str(), "vigil", "daemon", "--engine", "-c", config_path_.c_str(), nullptr);
      _exit(127);
    }
    engine_ = pid;
    engine_started_ = false;
    channel_ = std::move(mine);
    started_ = Clock::now();
    const size_t handed = send_kept(channel_.get(), kept_);
    send_message(channel_.get(), {{"op", "ready"}, {"history", history_}});
    log::info("engine " + std::to_string(pid) + " started" +
              (kept_.empty() ? "" : "; handed it " + std::to_string(handed) + " kept sessions"));
    return true;
  }

  // Reads one message from the engine, if one is there.
  Received on_message() {
    nlohmann::json msg;
    std::vector<UniqueFd> fds;
    const Received r = receive_message(channel_.get(), msg, fds, /*dont_wait=*/true);
    if (r == Received::kClosed) channel_.reset();  // the engine is gone; SIGCHLD follows
    if (r == Received::kMalformed) log::warn("a malformed message from the engine was dropped");
    if (r != Received::kMessage) return r;
    const std::string op = msg.value("op", "");
    const std::string key = msg.value("key", "");
    if (op == "keep" && !key.empty() && !fds.empty()) {
      kept_[key] = Kept{msg.value("meta", nlohmann::json::object()), std::move(fds)};
    } else if (op == "forget") {
      kept_.erase(key);
      if (stop_deadline_ && kept_.empty()) {
        log::info("the last container is gone: stopping without waiting for a successor");
        stop_deadline_ = Clock::now();
      }
    } else if (op == "started") {
      engine_started_ = true;
      if (!ever_started_) systemd::notify("READY=1\nSTATUS=serving");
      ever_started_ = true;
    } else if (op == "upgrade") {
      upgrade();
    }
    return r;
  }

  // The engine stops (answering nothing half-way: it decides each event in one go) and the
  // binary now at exe_ starts with everything kept.
  void upgrade() {
    if (engine_ <= 0 || upgrading_) return;
    log::info("upgrade: stopping engine " + std::to_string(engine_) + ", starting " + exe_);
    upgrading_ = true;
    ::kill(engine_, SIGTERM);
  }

  // A successor connected: stop the engine, then hand everything over (after its exit).
  // True when it has everything already (no engine was running).
  bool on_successor() {
    UniqueFd conn(::accept4(handover_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!conn) return false;
    ucred peer{};
    socklen_t len = sizeof(peer);
    if (::getsockopt(conn.get(), SOL_SOCKET, SO_PEERCRED, &peer, &len) != 0 ||
        peer.uid != ::geteuid() || successor_) {
      return false;  // only the daemon's own user, one successor at a time
    }
    const pid_t pid = read_take_over(conn.get());
    if (!pid) return false;
    successor_pid_ = pid;
    log::info("a new daemon (pid " + std::to_string(pid) + ") takes over: stopping engine " +
              std::to_string(engine_) + " and handing it " + std::to_string(kept_.size()) +
              " kept items");
    successor_ = std::move(conn);
    if (engine_ > 0) {
      ::kill(engine_, SIGTERM);
      return false;
    }
    respawn_at_.reset();
    if (finish_hand_over()) return true;
    respawn_at_ = Clock::now();
    return false;
  }

  // The engine is stopped: give everything to the successor. True when it has it all.
  bool finish_hand_over() {
    UniqueFd conn = std::move(successor_);
    if (hand_over(conn.get(), sockets(), kept_)) {
      log::info(after_ == AfterHandover::kExit ? "handed over; exiting"
                                               : "handed over; waiting to be stopped");
      return true;
    }
    log::error("the new daemon went away during the hand-over: this one keeps serving");
    return false;
  }

  // Everything is the successor's now. kExit: done. kWait: hold nothing, answer the health
  // endpoint (only if the successor's probes reach another socket than ours: another
  // network namespace) with 200, and exit on SIGTERM or SIGINT.
  int after_hand_over() {
    kept_.clear();
    listener_.reset();
    control_.reset();
    handover_.reset();
    if (after_ == AfterHandover::kExit) return 0;
    const std::string mine = "/proc/self/ns/net";
    const std::string theirs = "/proc/" + std::to_string(successor_pid_) + "/ns/net";
    struct stat a {
    }, b{};
    const bool apart = ::stat(mine.c_str(), &a) == 0 && ::stat(theirs.c_str(), &b) == 0 &&
                       (a.st_ino != b.st_ino || a.st_dev != b.st_dev);
    if (!apart) web_.reset();
    const std::string why = "vigil: handed over to a newer daemon (pid " +
                            std::to_string(successor_pid_) + "); this one waits to be stopped";
    for (;;) {
      pollfd p[2] = {{signals_.get(), POLLIN, 0}, {web_ ? web_.get() : -1, POLLIN, 0}};
      if (::poll(p, 2, -1) < 0 && errno != EINTR) return 1;
      if (p[1].revents & POLLIN) web::answer_directly(web_.get(), 200, why);
      signalfd_siginfo si;
      if ((p[0].revents & POLLIN) && ::read(signals_.get(), &si, sizeof(si)) == sizeof(si)) {
        if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
          log::info("stopping (handed over earlier)");
          return 0;
        }
        if (si.ssi_signo == SIGCHLD) reap();
      }
    }
  }

  std::optional<int> on_signal(int sig) {
    switch (sig) {
      case SIGCHLD:
        return on_child();
      case SIGHUP:
      case SIGUSR1:
        if (engine_ > 0) ::kill(engine_, sig);  // reload; reopen the outputs
        return std::nullopt;
      case SIGUSR2:
        upgrade();
        return std::nullopt;
      default:
        return on_stop();
    }
  }

  // SIGTERM, SIGINT: with containers held, wait for a successor first (a restart), then
  // let go; with none, stop now.
  std::optional<int> on_stop() {
    if (stop_deadline_) return let_go();  // a second one: no more waiting
    if (kept_sessions() == 0) {
      log::info("stopping");
      systemd::notify("STOPPING=1");
      return let_go();
    }
    if (systemd::under_systemd() && store_in_systemd()) return 0;
    log::warn("asked to stop while holding " + std::to_string(kept_sessions()) +
              " container sessions and watches: waiting up to " +
              std::to_string(cfg_.successor_wait_s) +
              " s for a new `vigil daemon` to take them over (send SIGTERM again to stop now)");
    stop_deadline_ = Clock::now() + std::chrono::seconds(cfg_.successor_wait_s);
    return std::nullopt;
  }

  // Under systemd a restart starts the successor only after this process exits: the fds
  // wait in systemd's store instead (engine stopped first, as for a hand-over).
  bool store_in_systemd() {
    if (engine_ > 0) {
      ::kill(engine_, SIGTERM);
      if (!wait_for_engine(std::chrono::seconds(10))) {
        ::kill(engine_, SIGKILL);
        wait_for_engine(std::chrono::seconds(2));
      }
    }
    std::string error;
    if (keeper::store_in_systemd(cfg_, sockets(), kept_, error)) {
      systemd::notify("STOPPING=1");
      log::warn("stored " + std::to_string(kept_sessions()) +
                " container sessions and watches in systemd's file descriptor store: a "
                "restart takes them back; a stop with no restart lets them go (their "
                "intercepted syscalls then fail with ENOSYS)");
      return true;
    }
    log::error("cannot use systemd's file descriptor store: " + error);
    respawn_at_ = Clock::now();  // serve again while waiting for a successor
    return false;
  }

  // No successor came: the engine alerts, writes its alerts and exits; then the keeper.
  int let_go() {
    stop_deadline_.reset();
    stopping_ = true;
    if (engine_ <= 0) return 0;
    if (kept_sessions() > 0 && channel_) {
      log::error("stopping with no successor: " + std::to_string(kept_sessions()) +
                 " container sessions and watches are let go; their intercepted syscalls now "
                 "fail with ENOSYS and their watched opens are allowed until they restart");
      // The engine raises a Critical alert and exits by itself.
      send_message(channel_.get(), {{"op", "letting-go"}});
      if (wait_for_engine(std::chrono::seconds(5))) return 0;
    }
    ::kill(engine_, SIGTERM);
    if (!wait_for_engine(std::chrono::seconds(10))) ::kill(engine_, SIGKILL);
    return 0;
  }

  // True once the engine has exited.
  bool wait_for_engine(std::chrono::seconds limit) {
    const auto deadline = Clock::now() + limit;
    while (engine_ > 0 && Clock::now() < deadline) {
      pollfd p{signals_.get(), POLLIN, 0};
      if (::poll(&p, 1, 200) <= 0) continue;
      signalfd_siginfo si;
      if (::read(signals_.get(), &si, sizeof(si)) == sizeof(si) && si.ssi_signo == SIGCHLD) {
        reap();
      }
    }
    return engine_ <= 0;
  }

  // Reaps children; the engine's exit status, if it was the engine.
  std::optional<int> reap() {
    std::optional<int> engine_status;
    int status = 0;
    pid_t p;
    while ((p = ::waitpid(-1, &status, WNOHANG)) > 0) {
      if (p != engine_) continue;
      // What it sent before it died (a last "keep", "started") is read first.
      while (channel_ && on_message() != Received::kNothing) {
      }
      engine_ = -1;
      channel_.reset();
      engine_status = status;
    }
    return engine_status;
  }

  std::optional<int> on_child() {
    const auto status = reap();
    if (!status) return std::nullopt;
    if (stopping_) return 0;
    if (successor_) {
      if (finish_hand_over()) return after_hand_over();
      respawn_at_ = Clock::now();
      return std::nullopt;
    }
    const std::string how = exit_text(*status);
    if (!engine_started_ && !ever_started_ && kept_.empty()) {
      // The first engine could not start and nothing is held: fail like a service.
      log::error("the engine " + how + " before it could start (its errors are above); exiting");
      return 1;
    }
    const bool quick = !engine_started_ || Clock::now() - started_ < std::chrono::seconds(10);
    ++history_restarts_;
    if (upgrading_ || !quick) {
      failures_ = 0;
    } else if (killed_from_outside(*status)) {
      // Killed at once again and again (crash tests, an OOM loop): at most one a second.
      failures_ = std::min(failures_ + 1, 3);
    } else {
      ++failures_;
    }
    std::chrono::seconds backoff(0);
    if (failures_ >= 3) {
      backoff = killed_from_outside(*status)
                    ? std::chrono::seconds(1)
                    : std::chrono::seconds(std::min(60, 1 << std::min(failures_ - 3, 6)));
    }
    history_ = {{"restarts", history_restarts_},
                {"last_exit", how},
                {"backoff_s", backoff.count()},
                {"failures_in_a_row", failures_}};
    log::warn("engine " + how + (upgrading_ ? " (upgrade)" : "") + "; starting a successor" +
              (backoff.count() ? " in " + std::to_string(backoff.count()) +
                                     " s (it keeps dying; containers wait meanwhile)"
                               : ""));
    upgrading_ = false;
    respawn_at_ = Clock::now() + backoff;
    return std::nullopt;
  }

  ListeningFds sockets() const { return {listener_.get(), control_.get(), web_ ? web_.get() : -1}; }

  std::string unavailable_reason() const {
    if (engine_ > 0) return "vigil: the engine is starting";
    if (respawn_at_) {
      return "vigil: no engine; the last one " + history_.value("last_exit", std::string("died")) +
             " and the next starts in " +
             std::to_string(
                 std::chrono::duration_cast<std::chrono::seconds>(*respawn_at_ - Clock::now())
                     .count()) +
             " s";
    }
    return "vigil: no engine";
  }

  size_t kept_sessions() const {
    size_t n = 0;
    for (const auto& [key, k] : kept_) n += key.rfind("alerts/", 0) != 0;
    return n;
  }

  std::string exe_, config_path_;
  const config::Config& cfg_;
  AfterHandover after_;
  pid_t successor_pid_ = 0;
  UniqueFd listener_, control_, web_, handover_, signals_, channel_, successor_;
  sigset_t old_mask_{};
  pid_t engine_ = -1;
  bool engine_started_ = false;  // the current engine said "started"
  bool ever_started_ = false;
  bool stopping_ = false;
  bool upgrading_ = false;
  int failures_ = 0;  // quick deaths in a row
  int64_t history_restarts_ = 0;
  nlohmann::json history_ = nlohmann::json::object();
  std::optional<Clock::time_point> respawn_at_, stop_deadline_;
  Clock::time_point started_;
  KeptItems kept_;
};

}  // namespace

int run_keeper(const std::string& exe, const std::string& config_path, const config::Config& cfg,
               AfterHandover after) {
  log::init_sync("vigil keeper", {cfg.log_level, cfg.log_stderr, cfg.log_syslog});
  Keeper k(exe, config_path, cfg, after);
  return k.run();
}

}  // namespace vigil::keeper

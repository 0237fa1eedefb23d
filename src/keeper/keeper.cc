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
#include "src/keeper/keeper_process.h"
#include "src/keeper/systemd.h"
#include "src/web/webserver.h"

namespace vigil::keeper {
namespace {

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

}  // namespace

int Keeper::run() {
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

void Keeper::settle_web() {
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

std::optional<int> Keeper::step() {
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
    if (::read(signals_.get(), &si, sizeof(si)) == sizeof(si)) return on_signal(int(si.ssi_signo));
    return std::nullopt;  // a signal may have replaced the channel: poll the new one
  }
  if (p[1].revents & POLLIN) {
    if (on_successor()) return after_hand_over();
  }
  if (p[3].revents & POLLIN) web::answer_unavailable(web_.get(), unavailable_reason());
  if (channel_ && (p[2].revents & (POLLIN | POLLHUP | POLLERR))) on_message();
  return std::nullopt;
}

int Keeper::timeout_ms() const {
  std::optional<Clock::time_point> next = respawn_at_;
  if (stop_deadline_ && (!next || *stop_deadline_ < *next)) next = stop_deadline_;
  if (!next) return -1;
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(*next - Clock::now()).count();
  return int(std::clamp<int64_t>(left, 0, 60000));
}

Received Keeper::on_message() {
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

std::optional<int> Keeper::on_signal(int sig) {
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

std::string Keeper::unavailable_reason() const {
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

size_t Keeper::kept_sessions() const {
  size_t n = 0;
  for (const auto& [key, k] : kept_) n += key.rfind("alerts/", 0) != 0;
  return n;
}

int run_keeper(const std::string& exe, const std::string& config_path, const config::Config& cfg,
               AfterHandover after) {
  log::init_sync("vigil keeper", {cfg.log_level, cfg.log_stderr, cfg.log_syslog});
  Keeper k(exe, config_path, cfg, after);
  return k.run();
}

}  // namespace vigil::keeper

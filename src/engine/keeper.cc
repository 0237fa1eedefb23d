// The keeper's loop: poll the engine channel and a signalfd; keep, forget, respawn.
#include "src/engine/keeper.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <thread>
#include <vector>

#include "src/common/unique_fd.h"
#include "src/engine/keeper_channel.h"

namespace vigil::engine {
namespace {

void log(const std::string& msg) { std::cerr << "vigil keeper: " << msg << std::endl; }

UniqueFd listen_on(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  ::unlink(path.c_str());
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (!fd || path.size() >= sizeof(addr.sun_path)) return {};
  std::memcpy(addr.sun_path, path.c_str(), path.size());
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::chmod(path.c_str(), 0600) != 0 || ::listen(fd.get(), 128) != 0) {
    log("cannot listen on " + path + ": " + std::strerror(errno));
    return {};
  }
  return fd;
}

struct Kept {
  nlohmann::json meta;
  std::vector<UniqueFd> fds;
};

class Keeper {
 public:
  Keeper(std::string exe, std::string config_path)
      : exe_(std::move(exe)), config_path_(std::move(config_path)) {}

  int run(const config::Config& cfg) {
    listener_ = listen_on(cfg.listener_socket);
    control_ = listen_on(cfg.control_socket);
    if (!listener_ || !control_) return 1;
    sigset_t set;
    sigemptyset(&set);
    for (int s : {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGUSR2}) sigaddset(&set, s);
    ::sigprocmask(SIG_BLOCK, &set, &old_mask_);
    signals_.reset(::signalfd(-1, &set, SFD_CLOEXEC));
    if (!signals_) {
      log(std::string("signalfd: ") + std::strerror(errno));
      return 1;
    }
    if (!spawn()) return 1;
    for (;;) {
      pollfd p[2] = {{signals_.get(), POLLIN, 0}, {channel_.get(), POLLIN, 0}};
      const int n = ::poll(p, channel_ ? 2 : 1, -1);
      if (n < 0 && errno != EINTR) return 1;
      if (n > 0 && (p[0].revents & POLLIN)) {
        signalfd_siginfo si;
        if (::read(signals_.get(), &si, sizeof(si)) == sizeof(si) && on_signal(int(si.ssi_signo))) {
          return 0;
        }
        continue;  // a signal may have replaced the channel: poll the new one
      }
      if (channel_ && n > 0 && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) on_message();
    }
  }

 private:
  // Starts an engine and hands it everything kept. False if it cannot even be started.
  bool spawn() {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
      log(std::string("socketpair: ") + std::strerror(errno));
      return false;
    }
    UniqueFd mine(sv[0]), theirs(sv[1]);
    const pid_t pid = ::fork();
    if (pid < 0) {
      log(std::string("fork: ") + std::strerror(errno));
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
      if (channel < 0 || listener < 0 || control < 0 || ::dup2(channel, kEngineChannelFd) < 0 ||
          ::dup2(listener, kEngineListenerFd) < 0 || ::dup2(control, kEngineControlFd) < 0) {
        _exit(126);
      }
      ::execl(exe_.c_str(), "vigil", "daemon", "--engine", "-c", config_path_.c_str(), nullptr);
      _exit(127);
    }
    engine_ = pid;
    channel_ = std::move(mine);
    started_ = std::chrono::steady_clock::now();
    size_t handed = 0;
    for (const auto& [key, k] : kept_) {
      std::vector<int> fds;
      for (const auto& f : k.fds) fds.push_back(f.get());
      if (send_message(channel_.get(), {{"op", "kept"}, {"key", key}, {"meta", k.meta}}, fds)) {
        ++handed;
      }
    }
    send_message(channel_.get(), {{"op", "ready"}});
    log("engine " + std::to_string(pid) + " started" +
        (kept_.empty() ? "" : "; handed it " + std::to_string(handed) + " kept sessions"));
    return true;
  }

  void on_message() {
    nlohmann::json msg;
    std::vector<UniqueFd> fds;
    const Received r = receive_message(channel_.get(), msg, fds, /*dont_wait=*/true);
    if (r == Received::kClosed) channel_.reset();  // the engine is gone; SIGCHLD follows
    if (r == Received::kMalformed) log("a malformed message from the engine was dropped");
    if (r != Received::kMessage) return;
    const std::string op = msg.value("op", "");
    const std::string key = msg.value("key", "");
    if (op == "keep" && !key.empty() && !fds.empty()) {
      kept_[key] = Kept{msg.value("meta", nlohmann::json::object()), std::move(fds)};
    } else if (op == "forget") {
      kept_.erase(key);
    } else if (op == "upgrade") {
      upgrade();
    }
  }

  // The engine stops (answering nothing half-way: it decides each event in one go) and the
  // binary now at exe_ starts with everything kept.
  void upgrade() {
    if (engine_ <= 0 || upgrading_) return;
    log("upgrade: stopping engine " + std::to_string(engine_) + ", starting " + exe_);
    upgrading_ = true;
    ::kill(engine_, SIGTERM);
  }

  // True when the keeper should exit.
  bool on_signal(int sig) {
    if (sig == SIGCHLD) {
      int status = 0;
      pid_t p;
      while ((p = ::waitpid(-1, &status, WNOHANG)) > 0) {
        if (p != engine_) continue;
        engine_ = -1;
        channel_.reset();
        if (stopping_) return true;
        const std::string how = WIFSIGNALED(status)
                                    ? "was killed by signal " + std::to_string(WTERMSIG(status))
                                    : "exited with " + std::to_string(WEXITSTATUS(status));
        log("engine " + how + (upgrading_ ? " (upgrade)" : "") + "; starting a successor");
        upgrading_ = false;
        // An engine that dies at once (bad config after an upgrade) is retried at most
        // every second; the containers wait meanwhile, they do not fail.
        if (std::chrono::steady_clock::now() - started_ < std::chrono::seconds(1) &&
            ++quick_deaths_ > 3) {
          std::this_thread::sleep_for(std::chrono::seconds(1));
        } else {
          quick_deaths_ = 0;
        }
        while (!spawn()) std::this_thread::sleep_for(std::chrono::seconds(1));
      }
      return false;
    }
    if (sig == SIGHUP) {
      if (engine_ > 0) ::kill(engine_, SIGHUP);
      return false;
    }
    if (sig == SIGUSR2) {
      upgrade();
      return false;
    }
    // SIGTERM, SIGINT: stop the engine, then let go of everything.
    log("stopping");
    stopping_ = true;
    if (engine_ < 0) return true;
    ::kill(engine_, SIGTERM);
    return false;
  }

  std::string exe_, config_path_;
  UniqueFd listener_, control_, signals_, channel_;
  sigset_t old_mask_{};
  pid_t engine_ = -1;
  bool stopping_ = false;
  bool upgrading_ = false;
  int quick_deaths_ = 0;
  std::chrono::steady_clock::time_point started_;
  std::map<std::string, Kept> kept_;
};

}  // namespace

int run_keeper(const std::string& exe, const std::string& config_path, const config::Config& cfg) {
  Keeper k(exe, config_path);
  return k.run(cfg);
}

}  // namespace vigil::engine

// The keeper's engine: started with everything kept, reaped, and restarted (at once after
// an outside kill or an upgrade, with a growing pause for one that keeps dying soon after
// its start).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include "src/common/log.h"
#include "src/keeper/keeper_process.h"
#include "src/keeper/systemd.h"
#include "src/web/webserver.h"

namespace vigil::keeper {
namespace {

// A death the engine did not bring on itself (an operator, the OOM killer, a test): the
// successor starts at once. Anything else that dies soon after its start is backed off.
bool killed_from_outside(int status) { return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL; }

std::string exit_text(int status) {
  return WIFSIGNALED(status) ? "was killed by signal " + std::to_string(WTERMSIG(status))
                             : "exited with " + std::to_string(WEXITSTATUS(status));
}

}  // namespace

bool Keeper::spawn() {
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

void Keeper::upgrade() {
  if (engine_ <= 0 || upgrading_) return;
  log::info("upgrade: stopping engine " + std::to_string(engine_) + ", starting " + exe_);
  upgrading_ = true;
  ::kill(engine_, SIGTERM);
}

bool Keeper::wait_for_engine(std::chrono::seconds limit) {
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

std::optional<int> Keeper::reap() {
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

std::optional<int> Keeper::on_child() {
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

}  // namespace vigil::keeper

// How the keeper ends: a successor takes everything over (directly, or through systemd's
// fd store), or, with none, it lets every container go.
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

bool Keeper::on_successor() {
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

bool Keeper::finish_hand_over() {
  UniqueFd conn = std::move(successor_);
  if (hand_over(conn.get(), sockets(), kept_)) {
    log::info(after_ == AfterHandover::kExit ? "handed over; exiting"
                                             : "handed over; waiting to be stopped");
    return true;
  }
  log::error("the new daemon went away during the hand-over: this one keeps serving");
  return false;
}

int Keeper::after_hand_over() {
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

std::optional<int> Keeper::on_stop() {
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

bool Keeper::store_in_systemd() {
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

int Keeper::let_go() {
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

}  // namespace vigil::keeper

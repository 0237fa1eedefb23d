// RECV/SEND on a seccomp notify fd inside the io_context.
#include "src/seccomp/notify_session.h"

#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "src/proc/kill.h"

namespace vigil::seccomp {

namespace {
constexpr size_t kJournalSize = 4096;
}

NotifyJournal NotifyJournal::create() {
  NotifyJournal j;
  j.mem_ = SharedMemory::create("vigil-seccomp-journal", kJournalSize);
  return j;
}

NotifyJournal NotifyJournal::adopt(UniqueFd memfd) {
  NotifyJournal j;
  j.mem_ = SharedMemory::adopt(std::move(memfd), kJournalSize);
  return j;
}

NotifySession::NotifySession(boost::asio::io_context& io, UniqueFd fd, Handler handler,
                             Closed closed, NotifyJournal journal)
    : stream_(io, fd.release()),
      fd_(stream_.native_handle()),
      handler_(std::move(handler)),
      closed_(std::move(closed)),
      journal_(std::move(journal)) {
  // Wake the target on the CPU that answers (halves the round trip where supported).
  ::ioctl(fd_, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP);
}

NotifySession::~NotifySession() = default;

// RECV blocks when no notification is pending, and the fd is also "readable" once every
// process of the filter is gone (POLLHUP). Asio does not say which, so a second wait,
// for errors, runs alongside the read wait: the reactor completes it only on
// EPOLLERR/EPOLLHUP (or EPOLLPRI), and before the read wait of the same wakeup. The read
// handler thus knows, without a poll() per notification, whether RECV is safe.
// No notification is left waiting: Boost.Asio re-arms a wait with EPOLL_CTL_MOD, which
// re-checks readiness, so notifications that queued up while one was being decided
// wake the next wait at once (tests/unit/seccomp/notify_session_test checks both cases).
void NotifySession::start() {
  wait();
  auto self = shared_from_this();
  stream_.async_wait(boost::asio::posix::stream_descriptor::wait_error,
                     [self](const boost::system::error_code& ec) {
                       if (ec) return;
                       self->hung_up_ = true;
                       self->close();
                     });
}

void NotifySession::wait() {
  auto self = shared_from_this();
  stream_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                     [self](const boost::system::error_code& ec) {
                       if (ec || self->hung_up_) return;  // cancelled, or the filter is gone
                       self->on_ready();
                     });
}

void NotifySession::close() {
  if (closed_called_) return;
  closed_called_ = true;
  boost::system::error_code ignored;
  stream_.cancel(ignored);
  closed_(*this);
}

void NotifySession::decide(const seccomp_notif& req) {
  ++count_;
  Response r = Response::Continue();
  try {
    r = handler_(*this, req);
  } catch (...) {
    // The event path should not throw; if it does, the syscall still gets its answer.
    r = Response::Continue();
  }
  apply(req, r);
}

bool NotifySession::still_pending(uint64_t id) const {
  return ::ioctl(fd_, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

bool NotifySession::recover_orphan() {
  seccomp_notif* slot = journal_.slot();
  if (!slot || slot->id == 0) return false;
  const seccomp_notif req = *slot;
  // Answered already (the predecessor died after SEND), or the target is gone: nothing.
  const bool pending = still_pending(req.id);
  if (pending) decide(req);
  std::memset(slot, 0, sizeof(*slot));
  return pending;
}

// One wakeup answers a burst: after each answer, a poll() with no timeout asks whether the
// next notification is already there, and if so it is received at once. With the
// synchronous wake-up, SEND runs the target on this CPU until its next intercepted call,
// so a process making calls back to back finds the next one pending: it then costs poll +
// RECV instead of the reactor's re-arm (EPOLL_CTL_MOD), epoll_wait and a dispatch
// (tests/bench: seccomp_bench). The burst is bounded so that other sessions, timers and
// the control socket still run in between.
void NotifySession::on_ready() {
  for (int n = 0;; ++n) {
    receive_one();
    if (fd_ < 0 || closed_called_ || n + 1 >= kBurst) break;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0) break;
    if (p.revents & (POLLHUP | POLLERR | POLLNVAL)) {
      hung_up_ = true;  // every process of the filter is gone
      close();
      return;
    }
  }
  if (fd_ >= 0 && !closed_called_) wait();
}

void NotifySession::receive_one() {
  // RECV straight into the journal, when there is one: the kernel's write is the record.
  seccomp_notif local;
  seccomp_notif* buf = journal_.slot() ? journal_.slot() : &local;
  std::memset(buf, 0, sizeof(*buf));
  if (::ioctl(fd_, SECCOMP_IOCTL_NOTIF_RECV, buf) != 0) {
    // ENOENT: the target died between the wakeup and RECV. Nothing to answer.
    std::memset(buf, 0, sizeof(*buf));
    return;
  }
  const seccomp_notif req = *buf;
  decide(req);
  std::memset(buf, 0, sizeof(*buf));  // answered: nothing for a successor to do
}

bool NotifySession::apply(const seccomp_notif& req, const Response& r) {
  if (r.kind == Response::Kind::kKill) {
    // The pidfd is checked against the notification: a recycled pid is never hit.
    proc::kill_process_of(pid_t(req.pid), [&] { return still_pending(req.id); });
  }
  seccomp_notif_resp resp;
  std::memset(&resp, 0, sizeof(resp));
  resp.id = req.id;
  const bool cont = r.kind == Response::Kind::kContinue;
  resp.error = cont || !r.error ? 0 : -r.error;
  resp.val = 0;
  resp.flags = cont ? SECCOMP_USER_NOTIF_FLAG_CONTINUE : 0;
  return ::ioctl(fd_, SECCOMP_IOCTL_NOTIF_SEND, &resp) == 0;
}

UniqueFd NotifySession::release_fd() {
  boost::system::error_code ignored;
  stream_.cancel(ignored);
  fd_ = -1;
  return UniqueFd(stream_.release());
}

}  // namespace vigil::seccomp

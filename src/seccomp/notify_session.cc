// RECV/SEND on a seccomp notify fd inside the io_context.
#include "src/seccomp/notify_session.h"

#include <sys/ioctl.h>

#include <cerrno>
#include <cstring>

namespace vigil::seccomp {

NotifySession::NotifySession(boost::asio::io_context& io, UniqueFd fd,
                             fields::ContainerInfo container, Handler handler, Closed closed)
    : stream_(io, fd.release()),
      fd_(stream_.native_handle()),
      container_(std::move(container)),
      handler_(std::move(handler)),
      closed_(std::move(closed)) {
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

void NotifySession::on_ready() {
  seccomp_notif req;
  std::memset(&req, 0, sizeof(req));
  if (::ioctl(fd_, SECCOMP_IOCTL_NOTIF_RECV, &req) != 0) {
    // ENOENT: the target died between the wakeup and RECV. Nothing to answer.
    wait();
    return;
  }
  ++count_;
  current_id_ = req.id;
  answered_ = false;
  try {
    handler_(*this, req);
  } catch (...) {
    // The event path should not throw; if it does, the syscall still gets its answer.
  }
  if (!answered_) allow();
  wait();
}

bool NotifySession::send(int error, uint32_t flags) {
  if (answered_) return false;
  answered_ = true;
  seccomp_notif_resp resp;
  std::memset(&resp, 0, sizeof(resp));
  resp.id = current_id_;
  resp.error = error ? -error : 0;
  resp.val = 0;
  resp.flags = flags;
  return ::ioctl(fd_, SECCOMP_IOCTL_NOTIF_SEND, &resp) == 0;
}

UniqueFd NotifySession::release_fd() {
  boost::system::error_code ignored;
  stream_.cancel(ignored);
  fd_ = -1;
  return UniqueFd(stream_.release());
}

bool NotifySession::allow() { return send(0, SECCOMP_USER_NOTIF_FLAG_CONTINUE); }
bool NotifySession::deny(int error) { return send(error, 0); }

}  // namespace vigil::seccomp

// fanotify reading and answering. Every permission event read is answered on every path;
// every event fd is closed; FAN_Q_OVERFLOW is counted.
#include "src/fanotify/fanotify_group.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace vigil::fanotify {

std::shared_ptr<FanotifyGroup> FanotifyGroup::create(boost::asio::io_context& io, Handler handler,
                                                     std::string& error) {
  // FAN_UNLIMITED_QUEUE: nothing is silently allowed while the reader is busy or restarting.
  int fd = ::fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC | FAN_NONBLOCK | FAN_UNLIMITED_QUEUE,
                           O_RDONLY | O_LARGEFILE | O_CLOEXEC);
  if (fd < 0) {
    error = std::string("fanotify_init: ") + std::strerror(errno);
    return nullptr;
  }
  return std::shared_ptr<FanotifyGroup>(new FanotifyGroup(io, UniqueFd(fd), std::move(handler)));
}

FanotifyGroup::FanotifyGroup(boost::asio::io_context& io, UniqueFd fd, Handler handler)
    : stream_(io, fd.release()),
      fd_(stream_.native_handle()),
      handler_(std::move(handler)),
      in_flight_(std::make_shared<InFlight>()) {
  in_flight_->group_fd.reset(::fcntl(fd_, F_DUPFD_CLOEXEC, 0));
}

FanotifyGroup::~FanotifyGroup() = default;

bool FanotifyGroup::mark_mount(const std::string& path, uint64_t mask, std::string& error) {
  if (::fanotify_mark(fd_, FAN_MARK_ADD | FAN_MARK_MOUNT, mask, AT_FDCWD, path.c_str()) != 0) {
    error = "fanotify_mark " + path + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

void FanotifyGroup::start() { wait(); }

void FanotifyGroup::stop() {
  stopped_ = true;
  boost::system::error_code ignored;
  stream_.cancel(ignored);
}

void FanotifyGroup::clear_cache() {
  // Removes the inode marks (the ignore masks); the mount marks stay.
  ::fanotify_mark(fd_, FAN_MARK_FLUSH, 0, AT_FDCWD, nullptr);
  cached_ = 0;
}

void FanotifyGroup::wait() {
  auto self = shared_from_this();
  stream_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                     [self](const boost::system::error_code& ec) {
                       if (ec || self->stopped_) return;
                       self->on_ready();
                     });
}

void FanotifyGroup::respond(int event_fd, bool allow) {
  fanotify_response r{};
  r.fd = event_fd;
  r.response = allow ? FAN_ALLOW : FAN_DENY;
  // ENOENT: the opener is gone. Nothing else to do.
  (void)!::write(fd_, &r, sizeof(r));
}

void FanotifyGroup::on_ready() {
  alignas(fanotify_event_metadata) char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd_, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      break;  // EAGAIN: drained (the group is non-blocking)
    }
    if (n == 0) break;
    auto* m = reinterpret_cast<fanotify_event_metadata*>(buf);
    for (; FAN_EVENT_OK(m, n); m = FAN_EVENT_NEXT(m, n)) {
      if (m->vers != FANOTIFY_METADATA_VERSION) continue;
      if (m->mask & FAN_Q_OVERFLOW) {
        ++overflows_;
        if (on_overflow_) on_overflow_();
        continue;
      }
      ++events_;
      UniqueFd event_fd(m->fd);
      const bool perm = m->mask & (FAN_OPEN_PERM | FAN_OPEN_EXEC_PERM | FAN_ACCESS_PERM);
      Decision d;
      if (perm) {
        std::lock_guard<std::mutex> lock(in_flight_->mu);
        in_flight_->answered = false;
        in_flight_->since_ns = PermissionWatchdog::now_ns();
        in_flight_->event_fd = m->fd;
      }
      if (m->pid != ::getpid()) {  // the daemon's own accesses are always allowed
        try {
          d = handler_(*m);
        } catch (...) {
          d = Decision{};  // the stated fallback: allow; the event path should not throw
        }
      }
      // Answer first, then log. If the watchdog already answered, its answer stands.
      if (perm && in_flight_->claim()) respond(m->fd, d.allow);
      if (perm) {
        std::lock_guard<std::mutex> lock(in_flight_->mu);  // the watchdog is done with it
        in_flight_->event_fd = -1;
      }
      if (d.allow && d.cacheable && (m->mask & FAN_OPEN_PERM) && d.cacheable()) {
        // The ignore mask is cleared when the file is modified, so a changed file is judged
        // again; renames are not seen (a known limit of path rules, see docs/rules.md).
        if (::fanotify_mark(fd_, FAN_MARK_ADD | FAN_MARK_IGNORED_MASK, FAN_OPEN_PERM, m->fd,
                            nullptr) == 0) {
          ++cached_;
        }
      }
      if (d.after) d.after();
    }
  }
  wait();
}

}  // namespace vigil::fanotify

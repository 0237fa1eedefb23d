// fanotify reading and answering. Every permission event read is answered on every path;
// every event fd is closed; FAN_Q_OVERFLOW is counted.
#include "src/fanotify/fanotify_group.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include "src/proc/kill.h"
#include "src/proc/proc_reader.h"

namespace vigil::fanotify {

std::shared_ptr<FanotifyGroup> FanotifyGroup::create(boost::asio::io_context& io, Handler handler,
                                                     std::string& error) {
  // FAN_UNLIMITED_QUEUE: nothing is silently allowed while the reader is busy or restarting.
  // FAN_REPORT_TID: the event names the thread, whose blocked system call holds the open's
  // flags (evt.is_open_write).
  int fd = ::fanotify_init(
      FAN_CLASS_CONTENT | FAN_CLOEXEC | FAN_NONBLOCK | FAN_UNLIMITED_QUEUE | FAN_REPORT_TID,
      O_RDONLY | O_LARGEFILE | O_CLOEXEC);
  if (fd < 0) {
    error = std::string("fanotify_init: ") + std::strerror(errno);
    return nullptr;
  }
  return std::shared_ptr<FanotifyGroup>(new FanotifyGroup(io, UniqueFd(fd), std::move(handler)));
}

std::shared_ptr<FanotifyGroup> FanotifyGroup::adopt(boost::asio::io_context& io, UniqueFd fd,
                                                    Handler handler, std::string& error) {
  if (!fd) {
    error = "no group fd";
    return nullptr;
  }
  // The keeper's copy is blocking or not as the predecessor left it: make sure.
  const int flags = ::fcntl(fd.get(), F_GETFL);
  if (flags < 0 || ::fcntl(fd.get(), F_SETFL, flags | O_NONBLOCK) != 0) {
    error = std::string("fcntl: ") + std::strerror(errno);
    return nullptr;
  }
  auto group =
      std::shared_ptr<FanotifyGroup>(new FanotifyGroup(io, std::move(fd), std::move(handler)));
  // The predecessor's exec events it moved to opens are not known here: its inode marks
  // go (cached decisions are made again), so every exec raises its exec event again.
  group->cache().clear();
  return group;
}

FanotifyGroup::FanotifyGroup(boost::asio::io_context& io, UniqueFd fd, Handler handler)
    : stream_(io, fd.release()),
      fd_(stream_.native_handle()),
      handler_(std::move(handler)),
      in_flight_(std::make_shared<InFlight>()),
      cache_(fd_, stream_.get_executor()) {
  in_flight_->group_fd.reset(::fcntl(fd_, F_DUPFD_CLOEXEC, 0));
}

FanotifyGroup::~FanotifyGroup() = default;

bool FanotifyGroup::mark_mount(const std::string& path, uint64_t mask, std::string& error) {
  if (::fanotify_mark(fd_, FAN_MARK_ADD | FAN_MARK_MOUNT, mask, AT_FDCWD, path.c_str()) != 0) {
    error = "fanotify_mark " + path + ": " + std::strerror(errno);
    return false;
  }
  cache_.mount_marked(mask & FAN_OPEN_PERM);
  return true;
}

void FanotifyGroup::start() { wait(); }

void FanotifyGroup::stop() {
  stopped_ = true;
  cache_.stop();
  boost::system::error_code ignored;
  stream_.cancel(ignored);
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

namespace {

bool is_permission(const fanotify_event_metadata& m) {
  return m.mask & (FAN_OPEN_PERM | FAN_OPEN_EXEC_PERM | FAN_ACCESS_PERM);
}

}  // namespace

size_t FanotifyGroup::recover_orphans() {
  if (!journal_.valid()) return 0;
  char* buf = journal_.buffer();
  size_t recovered = 0;
  for (size_t i = 0; i < EventJournal::kMaxEvents; ++i) {
    fanotify_event_metadata m;
    std::memcpy(&m, buf + i * FAN_EVENT_METADATA_LEN, sizeof(m));
    if (m.vers != FANOTIFY_METADATA_VERSION || m.event_len != FAN_EVENT_METADATA_LEN) break;
    if (journal_.answered(i) || !is_permission(m) || m.fd < 0) continue;
    const std::string path = journal_.path(i);
    Decision d;
    try {
      d = handler_(Input{m, path.empty() ? nullptr : &path, /*orphan=*/true});
    } catch (...) {
      d = Decision{};
    }
    if (d.outcome == Outcome::kKill) proc::kill_process_of(m.pid, [] { return true; });
    respond(m.fd, d.allows());  // the dead reader's number: the kernel matches it
    journal_.set_answered(i);
    ++recovered;  // not offered to the cache: its fd is the dead reader's
  }
  journal_.begin_batch();
  return recovered;
}

void FanotifyGroup::on_ready() {
  alignas(fanotify_event_metadata) char local[8192];
  // With a journal, the kernel writes the events straight into it.
  char* buf = journal_.valid() ? journal_.buffer() : local;
  const size_t size = journal_.valid() ? EventJournal::buffer_size() : sizeof(local);
  for (;;) {
    if (journal_.valid()) journal_.begin_batch();
    ssize_t n = ::read(fd_, buf, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;  // EAGAIN: drained (the group is non-blocking)
    }
    if (n == 0) break;
    // First the paths of the whole batch, into the journal: a successor can decide an
    // event it finds there only with its path.
    paths_.clear();
    ssize_t left = n;  // FAN_EVENT_NEXT counts down the length it is given
    for (auto* m = reinterpret_cast<fanotify_event_metadata*>(buf); FAN_EVENT_OK(m, left);
         m = FAN_EVENT_NEXT(m, left)) {
      std::optional<std::string> path;
      if (m->vers == FANOTIFY_METADATA_VERSION && m->fd >= 0 && m->pid != self_pid_) {
        path = proc::fd_path(m->fd);
        if (path && journal_.valid()) journal_.set_path(EventJournal::index_of(buf, m), *path);
      }
      paths_.push_back(std::move(path));
    }
    size_t k = 0;
    left = n;
    auto* m = reinterpret_cast<fanotify_event_metadata*>(buf);
    for (; FAN_EVENT_OK(m, left); m = FAN_EVENT_NEXT(m, left), ++k) {
      const size_t index = EventJournal::index_of(buf, m);
      if (m->vers != FANOTIFY_METADATA_VERSION) continue;
      if (m->mask & FAN_Q_OVERFLOW) {
        ++overflows_;
        if (journal_.valid()) journal_.set_answered(index);
        if (on_overflow_) on_overflow_();
        continue;
      }
      ++events_;
      UniqueFd event_fd(m->fd);
      const bool perm = is_permission(*m);
      Decision d;
      if (perm) {
        std::lock_guard<std::mutex> lock(in_flight_->mu);
        in_flight_->answered = false;
        in_flight_->since_ns = PermissionWatchdog::now_ns();
        in_flight_->event_fd = m->fd;
      }
      if (m->pid != self_pid_) {  // the daemon's own accesses are always allowed
        const std::optional<std::string>& path = paths_[k];
        try {
          struct stat st;
          bool stat_read = false;
          const bool moved = (m->mask & FAN_OPEN_PERM) && cache_.exec_moved(m->fd, st, stat_read);
          d = handler_(Input{*m, path ? &*path : nullptr, /*orphan=*/false, moved,
                             stat_read ? &st : nullptr});
        } catch (...) {
          d = Decision{};  // the stated fallback: allow; the event path should not throw
        }
      }
      // Answer first, then log. If the watchdog already answered, its answer stands. A kill
      // comes before the deny: the opener never runs on. The unanswered event pins its pid.
      if (d.outcome == Outcome::kKill) proc::kill_process_of(m->pid, [] { return true; });
      if (perm && in_flight_->claim()) respond(m->fd, d.allows());
      if (journal_.valid()) journal_.set_answered(index);
      if (perm) {
        std::lock_guard<std::mutex> lock(in_flight_->mu);  // the watchdog is done with it
        in_flight_->event_fd = -1;
      }
      // Then, off the opener's wait, the decision cache (decision_cache.h).
      if (d.outcome == Outcome::kAllowUnmatched && d.proof) {
        if (m->mask & FAN_OPEN_PERM) cache_.offer_open(m->fd, *d.proof);
        if (m->mask & FAN_OPEN_EXEC_PERM) cache_.offer_exec(m->fd, *d.proof);
      }
    }
    // Room for another event was left: the queue was empty when the kernel copied. Events
    // queued since then wake the reactor again (Asio re-arms with EPOLL_CTL_MOD, which
    // re-checks readiness), so the read that would only return EAGAIN is skipped.
    if (size_t(n) + FAN_EVENT_METADATA_LEN <= size) break;
  }
  wait();
}

}  // namespace vigil::fanotify

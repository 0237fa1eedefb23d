// fanotify reading and answering. Every permission event read is answered on every path;
// every event fd is closed; FAN_Q_OVERFLOW is counted.
#include "src/fanotify/fanotify_group.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include "src/common/open_in_root.h"
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
  group->clear_cache();
  return group;
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
  opens_marked_ = (marked_mounts_++ == 0 || opens_marked_) && (mask & FAN_OPEN_PERM);
  return true;
}

void FanotifyGroup::start() { wait(); }

void FanotifyGroup::stop() {
  stopped_ = true;
  boost::system::error_code ignored;
  stream_.cancel(ignored);
}

void FanotifyGroup::clear_cache() {
  // Removes the inode marks (the ignore masks of files and directories); the mount marks
  // stay.
  ::fanotify_mark(fd_, FAN_MARK_FLUSH, 0, AT_FDCWD, nullptr);
  cached_files_ = 0;
  cached_dirs_ = 0;
  settled_dirs_ = 0;
  to_settle_.clear();
  settled_.clear();
  exec_moved_.clear();
}

void FanotifyGroup::hold_cache(bool held) {
  if (held) clear_cache();
  cache_held_ = held;
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

void FanotifyGroup::cache(int event_fd, const Decision& d) {
  if (!d.cacheable || cache_held_) return;
  const CacheRequest request = d.cacheable();
  if (!request.directory_of.empty() && directory_marks_work_ &&
      cache_directory(event_fd, request.directory_of)) {
    return;
  }
  if (!request.file) return;
  // Only files with one name: a hard link elsewhere would share the mask. The mask is
  // cleared when the file is modified, so a changed file is judged again. A rename or a
  // new link holds the cache first (hold_cache; docs/fanotify.md, "Renames").
  struct stat st;
  if (::fstat(event_fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1) return;
  if (::fanotify_mark(fd_, FAN_MARK_ADD | FAN_MARK_IGNORED_MASK, FAN_OPEN_PERM, event_fd,
                      nullptr) == 0) {
    ++cached_files_;
  }
}

void FanotifyGroup::move_exec_to_open(int event_fd, const std::function<bool()>& rules_allow) {
  // One name only: a second name in a cacheable directory would hide its opens. A new
  // link or a rename holds the cache first, which forgets this too (clear_cache).
  // Every mount marked for opens by this group, or the open event an exec also raises would
  // never come (an adopted group's marks are its predecessor's: not known, not moved).
  struct stat st;
  // The rules' analysis last: it is the costly part.
  if (!opens_marked_ || cache_held_ || ::fstat(event_fd, &st) != 0 || !S_ISREG(st.st_mode) ||
      st.st_nlink != 1 || !rules_allow()) {
    return;
  }
  if (::fanotify_mark(fd_, FAN_MARK_ADD | FAN_MARK_IGNORED_MASK, FAN_OPEN_EXEC_PERM, event_fd,
                      nullptr) == 0) {
    exec_moved_.insert({st.st_dev, st.st_ino});
  }
}

bool FanotifyGroup::exec_moved(int event_fd, struct stat& st, bool& read) const {
  read = false;
  if (exec_moved_.empty()) return false;
  read = ::fstat(event_fd, &st) == 0;
  return read && exec_moved_.count({st.st_dev, st.st_ino}) > 0;
}

bool FanotifyGroup::cache_directory(int event_fd, const std::string& path) {
  if (!root_ || path.empty() || path[0] != '/') return false;
  const size_t slash = path.rfind('/');
  const std::string dir = slash == 0 ? "." : path.substr(1, slash - 1);
  const std::string name = path.substr(slash + 1);
  // The directory the rules judged, resolved inside the container's root with no symlink
  // on the way (a swapped-in symlink cannot redirect the mark), and marked through that
  // very fd. It must hold the event's file under that name: the path was read after the
  // open, and a rename in between would make it name some other directory.
  UniqueFd dir_fd(open_in_root(root_.get(), dir, O_PATH | O_DIRECTORY | O_CLOEXEC,
                               RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS));
  if (!dir_fd) return false;
  struct stat opened, named, dir_st;
  // A settled directory's files are cached one by one: this one is new since.
  if (::fstat(dir_fd.get(), &dir_st) != 0 || settled_.count({dir_st.st_dev, dir_st.st_ino})) {
    return false;
  }
  if (name.empty() || ::fstat(event_fd, &opened) != 0 ||
      ::fstatat(dir_fd.get(), name.c_str(), &named, AT_SYMLINK_NOFOLLOW) != 0 ||
      opened.st_dev != named.st_dev || opened.st_ino != named.st_ino) {
    return false;
  }
  // A directory's ignore mask applies to its children's events with FAN_EVENT_ON_CHILD
  // (FAN_MARK_IGNORE, Linux 6.0). Directories' own opens are not reported (no FAN_ONDIR).
  if (::fanotify_mark(fd_, FAN_MARK_ADD | FAN_MARK_IGNORE | FAN_MARK_IGNORED_SURV_MODIFY,
                      FAN_OPEN_PERM | FAN_EVENT_ON_CHILD, dir_fd.get(), ".") != 0) {
    if (errno == EINVAL) directory_marks_work_ = false;  // an older kernel: files only
    return false;
  }
  ++cached_dirs_;
  if (settle_) {
    to_settle_.push_back(std::move(dir_fd));
    settle_soon();
  }
  return true;
}

void FanotifyGroup::settle_soon() {
  if (settle_posted_) return;
  settle_posted_ = true;
  // After the events already waiting: settling is never ahead of an opener.
  boost::asio::post(stream_.get_executor(), [self = shared_from_this()] {
    self->settle_posted_ = false;
    if (!self->stopped_) self->settle();
  });
}

void FanotifyGroup::settle() {
  // One directory per turn of the io loop, of at most kMaxEntries entries (a few ms).
  constexpr size_t kMaxEntries = 2048;
  if (to_settle_.empty() || cache_held_) return;
  UniqueFd dir = std::move(to_settle_.front());
  to_settle_.pop_front();
  if (!to_settle_.empty()) settle_soon();
  struct stat dir_st;
  if (::fstat(dir.get(), &dir_st) != 0) return;
  // Reading a directory is not an event (the marks have no FAN_ONDIR), so this thread
  // cannot wait on its own group here.
  UniqueFd listing(::openat(dir.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  DIR* d = listing ? ::fdopendir(listing.get()) : nullptr;
  if (!d) return;
  listing.release();  // closedir closes it
  std::vector<std::string> files;
  bool keep_directory = false;
  while (const dirent* e = ::readdir(d)) {
    if (e->d_type == DT_DIR) continue;  // judged on their own
    struct stat st;
    if (::fstatat(::dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    if (!S_ISREG(st.st_mode)) continue;  // not cached: their opens reach vigil again
    // A file with another name elsewhere would take its ignore mask there too; a very
    // large directory would pin too many inodes. Either: the directory's mask stays.
    if (st.st_nlink != 1 || files.size() == kMaxEntries) {
      keep_directory = true;
      break;
    }
    files.emplace_back(e->d_name);
  }
  if (!keep_directory) {
    size_t marked = 0;
    for (const auto& name : files) {
      if (::fanotify_mark(fd_, FAN_MARK_ADD | FAN_MARK_IGNORED_MASK | FAN_MARK_DONT_FOLLOW,
                          FAN_OPEN_PERM, ::dirfd(d), name.c_str()) == 0) {
        ++marked;
      } else if (errno == ENOSPC) {
        keep_directory = true;  // out of marks: the directory's mask keeps covering them
        break;
      }
    }
    cached_files_ += marked;
  }
  if (!keep_directory && ::fanotify_mark(fd_, FAN_MARK_REMOVE | FAN_MARK_IGNORE,
                                         FAN_OPEN_PERM | FAN_EVENT_ON_CHILD, dir.get(), ".") == 0) {
    settled_.insert({dir_st.st_dev, dir_st.st_ino});
    --cached_dirs_;
    ++settled_dirs_;
  }
  ::closedir(d);
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
    if (d.kill) proc::kill_process_of(m.pid, [] { return true; });
    respond(m.fd, d.allow);  // the dead reader's number: the kernel matches it
    journal_.set_answered(i);
    ++recovered;
    if (d.after) d.after();
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
          const bool moved = (m->mask & FAN_OPEN_PERM) && exec_moved(m->fd, st, stat_read);
          d = handler_(Input{*m, path ? &*path : nullptr, /*orphan=*/false, moved,
                             stat_read ? &st : nullptr});
        } catch (...) {
          d = Decision{};  // the stated fallback: allow; the event path should not throw
        }
      }
      // Answer first, then log. If the watchdog already answered, its answer stands. A kill
      // comes before the deny: the opener never runs on. The unanswered event pins its pid.
      if (d.kill) proc::kill_process_of(m->pid, [] { return true; });
      if (perm && in_flight_->claim()) respond(m->fd, d.allow);
      if (journal_.valid()) journal_.set_answered(index);
      if (perm) {
        std::lock_guard<std::mutex> lock(in_flight_->mu);  // the watchdog is done with it
        in_flight_->event_fd = -1;
      }
      if (d.allow && (m->mask & FAN_OPEN_PERM)) cache(m->fd, d);
      if (d.allow && d.exec_on_open && (m->mask & FAN_OPEN_EXEC_PERM)) {
        move_exec_to_open(m->fd, d.exec_on_open);
      }
      if (d.after) d.after();
    }
    // Room for another event was left: the queue was empty when the kernel copied. Events
    // queued since then wake the reactor again (Asio re-arms with EPOLL_CTL_MOD, which
    // re-checks readiness), so the read that would only return EAGAIN is skipped.
    if (size_t(n) + FAN_EVENT_METADATA_LEN <= size) break;
  }
  wait();
}

}  // namespace vigil::fanotify

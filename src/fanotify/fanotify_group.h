// One container's fanotify group: permission events (FAN_OPEN_PERM, FAN_OPEN_EXEC_PERM)
// on the container's mounts, read in the io_context without blocking, each answered
// exactly once (FAN_ALLOW or FAN_DENY) before anything is logged.
#pragma once

#include <sys/fanotify.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <functional>
#include <memory>
#include <string>

#include "src/common/unique_fd.h"
#include "src/fanotify/watchdog.h"

namespace vigil::fanotify {

// What the rules proved about an answered event's file.
struct CacheRequest {
  bool file = false;         // no rule can match an open of this file
  std::string directory_of;  // if set: this file's path as the container sees it, and no
                             // rule can match an open of any file of its directory
};

class FanotifyGroup : public std::enable_shared_from_this<FanotifyGroup> {
 public:
  // The handler's answer, and what to do once the kernel has it (write the alerts).
  struct Decision {
    bool allow = true;
    // Asked after the answer (off the opener's wait): whether no rule could match an open
    // of this file, or of any file of its directory, by anyone. Then the file or the
    // directory goes into the ignore mask and later opens never leave the kernel (the
    // decision cache).
    std::function<CacheRequest()> cacheable;
    std::function<void()> after;
  };
  // The handler gets the event (its fd is the file being opened or executed). It runs on
  // the io thread and must not open files on watched mounts.
  using Handler = std::function<Decision(const fanotify_event_metadata& event)>;

  // Creates the group; nullptr (and `error`) if the kernel refuses.
  static std::shared_ptr<FanotifyGroup> create(boost::asio::io_context& io, Handler handler,
                                               std::string& error);
  ~FanotifyGroup();

  // Marks the mount that `path` is on for `mask` (FAN_OPEN_PERM | ...).
  bool mark_mount(const std::string& path, uint64_t mask, std::string& error);
  // The container's root directory (an O_PATH fd), against which container paths are
  // resolved to cache whole directories. Without it only files are cached.
  void set_root(UniqueFd root) { root_ = std::move(root); }
  void start();
  void stop();
  // The slot a PermissionWatchdog watches for this group.
  std::weak_ptr<InFlight> in_flight() const { return in_flight_; }
  // Called (on the io thread) when the kernel reports a queue overflow.
  void on_overflow(std::function<void()> f) { on_overflow_ = std::move(f); }
  // Forgets every cached decision (after a reload: the new rules may match those files).
  void clear_cache();
  uint64_t cached() const { return cached_files_; }
  uint64_t cached_dirs() const { return cached_dirs_; }
  uint64_t events() const { return events_; }
  uint64_t overflows() const { return overflows_; }

 private:
  FanotifyGroup(boost::asio::io_context& io, UniqueFd fd, Handler handler);
  void wait();
  void on_ready();
  void respond(int event_fd, bool allow);
  void cache(int event_fd, const Decision& d);
  bool cache_directory(int event_fd, const std::string& path);

  boost::asio::posix::stream_descriptor stream_;
  int fd_;
  const pid_t self_pid_ = ::getpid();
  Handler handler_;
  uint64_t events_ = 0;
  uint64_t overflows_ = 0;
  std::shared_ptr<InFlight> in_flight_;
  uint64_t cached_files_ = 0;
  uint64_t cached_dirs_ = 0;
  bool directory_marks_work_ = true;  // false once the kernel refused FAN_MARK_IGNORE
  UniqueFd root_;
  std::function<void()> on_overflow_;
  bool stopped_ = false;
};

}  // namespace vigil::fanotify

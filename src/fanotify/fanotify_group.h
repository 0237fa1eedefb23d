// One container's fanotify group: permission events (FAN_OPEN_PERM, FAN_OPEN_EXEC_PERM)
// on the container's mounts, read in the io_context without blocking, each answered
// exactly once (FAN_ALLOW or FAN_DENY) before anything is logged.
#pragma once

#include <sys/fanotify.h>

#include <boost/asio.hpp>
#include <functional>
#include <memory>
#include <string>

#include "src/common/unique_fd.h"
#include "src/fanotify/watchdog.h"

namespace vigil::fanotify {

class FanotifyGroup : public std::enable_shared_from_this<FanotifyGroup> {
 public:
  // The handler's answer, and what to do once the kernel has it (write the alerts).
  struct Decision {
    bool allow = true;
    // Asked after the answer (off the opener's wait): true if no rule could match an open
    // of this file by anyone, so its inode goes into the ignore mask and later opens never
    // leave the kernel (the decision cache).
    std::function<bool()> cacheable;
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
  void start();
  void stop();
  // The slot a PermissionWatchdog watches for this group.
  std::weak_ptr<InFlight> in_flight() const { return in_flight_; }
  // Called (on the io thread) when the kernel reports a queue overflow.
  void on_overflow(std::function<void()> f) { on_overflow_ = std::move(f); }
  // Forgets every cached decision (after a reload: the new rules may match those files).
  void clear_cache();
  uint64_t cached() const { return cached_; }
  uint64_t events() const { return events_; }
  uint64_t overflows() const { return overflows_; }

 private:
  FanotifyGroup(boost::asio::io_context& io, UniqueFd fd, Handler handler);
  void wait();
  void on_ready();
  void respond(int event_fd, bool allow);

  boost::asio::posix::stream_descriptor stream_;
  int fd_;
  Handler handler_;
  uint64_t events_ = 0;
  uint64_t overflows_ = 0;
  uint64_t cached_ = 0;
  std::shared_ptr<InFlight> in_flight_;
  std::function<void()> on_overflow_;
  bool stopped_ = false;
};

}  // namespace vigil::fanotify

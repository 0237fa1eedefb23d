// One container's fanotify group: permission events (FAN_OPEN_PERM, FAN_OPEN_EXEC_PERM)
// on the container's mounts, read in the io_context without blocking, each answered
// exactly once (FAN_ALLOW or FAN_DENY) before anything is logged.
#pragma once

#include <sys/fanotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "src/common/unique_fd.h"
#include "src/fanotify/decision_cache.h"
#include "src/fanotify/event_journal.h"
#include "src/fanotify/watchdog.h"

namespace vigil::fanotify {

class FanotifyGroup : public std::enable_shared_from_this<FanotifyGroup> {
 public:
  // The handler's answer, named: what the kernel is told, and whether the decision cache
  // is offered the event afterwards (off the opener's wait).
  enum class Outcome {
    kAllow,           // allowed by a rule's verdict (an alert), or by a fallback
    kAllowUnmatched,  // no rule matched: offered to the decision cache with `proof`
    kDeny,
    kKill,  // SIGKILL the opener's process, then deny
  };
  struct Decision {
    Outcome outcome = Outcome::kAllow;
    std::shared_ptr<const CacheProof> proof;  // kAllowUnmatched only; may be null
    bool allows() const {
      return outcome == Outcome::kAllow || outcome == Outcome::kAllowUnmatched;
    }
  };
  // What the handler gets. For a live event, m.fd is the file being opened or executed and
  // `path` the kernel's name for it (null if unreadable). For an orphan (an event a dead
  // predecessor read and never answered) m.fd names nothing of this process and `path` is
  // the journaled name, or null if the predecessor died before writing it.
  struct Input {
    const fanotify_event_metadata& m;
    const std::string* path;
    bool orphan;
    // An open event of a file whose exec events are in the ignore mask (exec_moved): if
    // the opener is in an execve, the exec rules must judge this event too. Unknown for an
    // orphan (judge it so if the opener is in an execve).
    bool exec_moved = false;
    // The event's file's fstat, when the group read it to answer exec_moved: the
    // handler's fields need not read it again (nullptr: not read).
    const struct stat* file_stat = nullptr;
  };
  // Runs on the io thread and must not open files on watched mounts.
  using Handler = std::function<Decision(const Input& event)>;

  // Creates the group; nullptr (and `error`) if the kernel refuses.
  static std::shared_ptr<FanotifyGroup> create(boost::asio::io_context& io, Handler handler,
                                               std::string& error);
  // Serves an existing group (a predecessor engine's, from the keeper): its marks are in
  // the kernel already.
  static std::shared_ptr<FanotifyGroup> adopt(boost::asio::io_context& io, UniqueFd fd,
                                              Handler handler, std::string& error);
  int fd() const { return fd_; }
  // Reads go through `journal` from now on.
  void use_journal(EventJournal journal) { journal_ = std::move(journal); }
  const EventJournal& journal() const { return journal_; }
  // Answers the journal's unanswered permission events (a dead predecessor's), deciding
  // each with the handler; returns how many. Call before start().
  size_t recover_orphans();
  ~FanotifyGroup();

  // Marks the mount that `path` is on for `mask` (FAN_OPEN_PERM | ...).
  bool mark_mount(const std::string& path, uint64_t mask, std::string& error);
  // The decision cache of this group's events (decision_cache.h).
  DecisionCache& cache() { return cache_; }
  const DecisionCache& cache() const { return cache_; }
  void start();
  void stop();
  // The slot a PermissionWatchdog watches for this group.
  std::weak_ptr<InFlight> in_flight() const { return in_flight_; }
  // Called (on the io thread) when the kernel reports a queue overflow.
  void on_overflow(std::function<void()> f) { on_overflow_ = std::move(f); }
  uint64_t events() const { return events_; }
  uint64_t overflows() const { return overflows_; }

 private:
  FanotifyGroup(boost::asio::io_context& io, UniqueFd fd, Handler handler);
  void wait();
  void on_ready();
  void respond(int event_fd, bool allow);

  boost::asio::posix::stream_descriptor stream_;
  int fd_;
  const pid_t self_pid_ = ::getpid();
  Handler handler_;
  uint64_t events_ = 0;
  uint64_t overflows_ = 0;
  std::shared_ptr<InFlight> in_flight_;
  DecisionCache cache_;
  EventJournal journal_;
  std::vector<std::optional<std::string>> paths_;  // of the batch being decided
  std::function<void()> on_overflow_;
  bool stopped_ = false;
};

}  // namespace vigil::fanotify

// One container's fanotify group: permission events (FAN_OPEN_PERM, FAN_OPEN_EXEC_PERM)
// on the container's mounts, read in the io_context without blocking, each answered
// exactly once (FAN_ALLOW or FAN_DENY) before anything is logged.
#pragma once

#include <sys/fanotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "src/common/unique_fd.h"
#include "src/fanotify/event_journal.h"
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
    bool kill = false;  // SIGKILL the opener's process before the (deny) answer
    // Asked after the answer (off the opener's wait): whether no rule could match an open
    // of this file, or of any file of its directory, by anyone. Then the file or the
    // directory goes into the ignore mask and later opens never leave the kernel (the
    // decision cache).
    std::function<CacheRequest()> cacheable;
    // For an allowed exec event: this file's opens can never be cached (no rule set and
    // no state of the container lets its file or directory analysis prove them
    // irrelevant), so its execs are judged on the open event every exec also raises, and
    // its exec events are put in the ignore mask (one event per exec instead of two).
    // Asked after the answer, as `cacheable` is.
    std::function<bool()> exec_on_open;
    std::function<void()> after;
  };
  // What the handler gets. For a live event, m.fd is the file being opened or executed and
  // `path` the kernel's name for it (null if unreadable). For an orphan (an event a dead
  // predecessor read and never answered) m.fd names nothing of this process and `path` is
  // the journaled name, or null if the predecessor died before writing it.
  struct Input {
    const fanotify_event_metadata& m;
    const std::string* path;
    bool orphan;
    // An open event of a file whose exec events are in the ignore mask (exec_on_open): if
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
  // The container's root directory (an O_PATH fd), against which container paths are
  // resolved to cache whole directories. Without it only files are cached.
  void set_root(UniqueFd root) { root_ = std::move(root); }
  int root_fd() const { return root_.get(); }
  void start();
  void stop();
  // The slot a PermissionWatchdog watches for this group.
  std::weak_ptr<InFlight> in_flight() const { return in_flight_; }
  // Called (on the io thread) when the kernel reports a queue overflow.
  void on_overflow(std::function<void()> f) { on_overflow_ = std::move(f); }
  // Forgets every cached decision (after a reload: the new rules may match those files).
  void clear_cache();
  // While held, nothing is cached, and holding forgets every cached decision: a rename or
  // link in the container may be giving a cached file a name the rules care about.
  void hold_cache(bool held);
  bool cache_held() const { return cache_held_; }
  // Whether cached directories settle into their files' own ignore masks (see settle()).
  void set_settle(bool on) { settle_ = on; }
  uint64_t cached() const { return cached_files_; }
  uint64_t execs_on_open() const { return exec_moved_.size(); }
  uint64_t cached_dirs() const { return cached_dirs_; }
  uint64_t settled_dirs() const { return settled_dirs_; }
  uint64_t events() const { return events_; }
  uint64_t overflows() const { return overflows_; }

 private:
  FanotifyGroup(boost::asio::io_context& io, UniqueFd fd, Handler handler);
  void wait();
  void on_ready();
  void respond(int event_fd, bool allow);
  void cache(int event_fd, const Decision& d);
  void move_exec_to_open(int event_fd, const std::function<bool()>& rules_allow);
  // Whether the event's file is one whose exec events were moved; `st` is filled (and
  // `read` set) if the file had to be looked at.
  bool exec_moved(int event_fd, struct stat& st, bool& read) const;
  bool cache_directory(int event_fd, const std::string& path);
  // A directory in the ignore mask costs every open of its files a walk to the parent.
  // Once the io thread is free, settle() gives the files of a cached directory ignore
  // masks of their own and takes the directory's away (docs/fanotify.md).
  void settle_soon();
  void settle();

  boost::asio::posix::stream_descriptor stream_;
  int fd_;
  const pid_t self_pid_ = ::getpid();
  Handler handler_;
  uint64_t events_ = 0;
  uint64_t overflows_ = 0;
  std::shared_ptr<InFlight> in_flight_;
  std::set<std::pair<dev_t, ino_t>> exec_moved_;  // files judged on exec at their opens
  size_t marked_mounts_ = 0;
  bool opens_marked_ = false;  // every mount this group marked has FAN_OPEN_PERM
  uint64_t cached_files_ = 0;
  uint64_t cached_dirs_ = 0;
  bool directory_marks_work_ = true;  // false once the kernel refused FAN_MARK_IGNORE
  bool settle_ = true;
  bool settle_posted_ = false;
  bool cache_held_ = false;
  uint64_t settled_dirs_ = 0;
  std::deque<UniqueFd> to_settle_;             // O_PATH fds of cached directories
  std::set<std::pair<dev_t, ino_t>> settled_;  // their files are cached one by one now
  UniqueFd root_;
  EventJournal journal_;
  std::vector<std::optional<std::string>> paths_;  // of the batch being decided
  std::function<void()> on_overflow_;
  bool stopped_ = false;
};

}  // namespace vigil::fanotify

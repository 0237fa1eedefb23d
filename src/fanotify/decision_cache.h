// The decision cache of one container's fanotify group: opens that no rule can match stay
// in the kernel (the group's ignore masks), and execs of files whose opens can never be
// cached are judged at their open events (one round trip per exec instead of two). The
// one owner of both; docs/fanotify.md has the measurements.
//
// Why it is sound, in one place:
// 1. Nothing is cached on the answer path. The group answers first; only an event that
//    was allowed with no rule matching (Outcome::kAllowUnmatched) is offered here, with a
//    CacheProof that asks the rules the event was decided by (a reload in between cannot
//    swap them) whether any rule could match an open of this file, or of any file of its
//    directory, by anyone, whatever the values the analysis does not know
//    (CompiledRuleSet::provably_no_match, provably_no_match_in).
// 2. What is marked is what was judged. A file is marked through the event's own fd, and
//    only a regular file with one link (another name would share the inode's mask); the
//    kernel clears a file's mask when the file is modified. A directory is opened from
//    the container's root with no symlink on the way, must hold the event's file under
//    the judged name (the path was read after the open), and is marked through that fd.
// 3. Names cannot move a cached inode unseen. A rename or link keeps the inode, so before
//    vigil lets one go on the RenameBarrier holds the cache: everything cached is
//    forgotten and nothing more is cached until the thread is out of that call; io_uring
//    (renames without system calls) holds it for good.
// 4. A reload, and an engine that takes a watch over, forget everything (clear()): the new
//    rules, or the predecessor's, are not the ones that proved it.
// 5. An exec moves to its open only when every mount of the group is marked for opens
//    (else its open event would never come) and no open of the file can be cached (else
//    the kernel would answer the open that should be judged as an exec); forgetting the
//    cache moves every exec back.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <boost/asio.hpp>
#include <deque>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "src/common/unique_fd.h"

namespace vigil::fanotify {

// What the rules can prove about an allowed event's file, asked after the answer (the
// costly part). Implemented by the engine over the rules the event was decided by.
class CacheProof {
 public:
  virtual ~CacheProof() = default;
  // The file's path as the container sees it (an exec's: the file it executes); nullopt
  // when unknown (then nothing is cached).
  virtual const std::optional<std::string>& path() const = 0;
  // No rule can match an open of this file, by anyone.
  virtual bool no_open_matches_file() const = 0;
  // No rule can match an open of any file of directory `dir` (the file's own).
  virtual bool no_open_matches_directory(const std::string& dir) const = 0;
};

// vigil.yaml's decision_cache.
enum class CacheScope { kOff, kFile, kDirectory };

class DecisionCache {
 public:
  // `group_fd` is the group's (marks are placed on it); settling runs on `executor`.
  DecisionCache(int group_fd, boost::asio::any_io_executor executor)
      : fd_(group_fd), executor_(std::move(executor)) {}

  void set_scope(CacheScope scope) { scope_ = scope; }
  // The container's root directory (an O_PATH fd), against which container paths are
  // resolved to cache whole directories. Without it only files are cached.
  void set_root(UniqueFd root) { root_ = std::move(root); }
  int root_fd() const { return root_.get(); }
  // Whether cached directories settle into their files' own ignore masks (settle()).
  void set_settle(bool on) { settle_ = on; }
  // Called for each mount the group marks: execs move to opens only if all have opens.
  void mount_marked(bool with_opens) {
    opens_marked_ = (marked_mounts_++ == 0 || opens_marked_) && with_opens;
  }

  // An open allowed with no rule matching: caches its file, or its directory, if the
  // proof allows.
  void offer_open(int event_fd, const CacheProof& proof);
  // An exec allowed with no rule matching: if no open of its file can ever be cached, its
  // exec events go into the ignore mask and its opens are judged as execs (exec_moved).
  void offer_exec(int event_fd, const CacheProof& proof);
  // Whether `event_fd`'s file is one whose exec events were moved to its opens; `st` is
  // filled (and `read` set) if the file had to be looked at.
  bool exec_moved(int event_fd, struct stat& st, bool& read) const;

  // Forgets every cached decision (the inode marks; the mount marks stay).
  void clear();
  // While held, nothing is cached, and holding forgets everything (the RenameBarrier).
  void hold(bool held);
  bool held() const { return held_; }
  void stop() { stopped_ = true; }

  uint64_t files() const { return cached_files_; }
  uint64_t directories() const { return cached_dirs_; }
  uint64_t settled_directories() const { return settled_dirs_; }
  uint64_t execs_on_open() const { return exec_moved_.size(); }

 private:
  void cache_file(int event_fd);
  bool cache_directory(int event_fd, const std::string& path);
  // A directory in the ignore mask costs every open of its files a walk to the parent.
  // Once the io thread is free, settle() gives the files of a cached directory ignore
  // masks of their own and takes the directory's away (docs/fanotify.md).
  void settle_soon();
  void settle();

  int fd_;
  boost::asio::any_io_executor executor_;
  CacheScope scope_ = CacheScope::kDirectory;
  UniqueFd root_;
  size_t marked_mounts_ = 0;
  bool opens_marked_ = false;         // every mount the group marked has FAN_OPEN_PERM
  bool directory_marks_work_ = true;  // false once the kernel refused FAN_MARK_IGNORE
  bool settle_ = true;
  bool settle_posted_ = false;
  bool held_ = false;
  bool stopped_ = false;
  uint64_t cached_files_ = 0;
  uint64_t cached_dirs_ = 0;
  uint64_t settled_dirs_ = 0;
  std::set<std::pair<dev_t, ino_t>> exec_moved_;  // files judged on exec at their opens
  std::deque<UniqueFd> to_settle_;                // O_PATH fds of cached directories
  std::set<std::pair<dev_t, ino_t>> settled_;     // their files are cached one by one now
  // Settling is posted to the io thread and must not outlive the cache.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace vigil::fanotify

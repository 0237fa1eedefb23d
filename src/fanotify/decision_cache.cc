// The decision cache's marks (decision_cache.h has why each is sound).
#include "src/fanotify/decision_cache.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/fanotify.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "src/common/open_in_root.h"

namespace vigil::fanotify {
namespace {

// The directory of an absolute container path ("/" for a file at the root); nullopt if
// the path has no directory part.
std::optional<std::string> directory_of(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return std::nullopt;
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

void DecisionCache::offer_open(int event_fd, const CacheProof& proof) {
  if (held_ || scope_ == CacheScope::kOff) return;
  const auto& path = proof.path();
  if (scope_ == CacheScope::kDirectory && path) {
    const auto dir = directory_of(*path);
    if (dir && proof.no_open_matches_directory(*dir)) {
      // The directory's proof covers the file: cached alone if the directory cannot be.
      if (!directory_marks_work_ || !cache_directory(event_fd, *path)) cache_file(event_fd);
      return;
    }
  }
  if (proof.no_open_matches_file()) cache_file(event_fd);
}

void DecisionCache::cache_file(int event_fd) {
  // Only files with one name: a hard link elsewhere would share the mask. The mask is
  // cleared when the file is modified, so a changed file is judged again.
  struct stat st;
  if (::fstat(event_fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1) return;
  if (::fanotify_mark(fd_, FAN_MARK_ADD | FAN_MARK_IGNORED_MASK, FAN_OPEN_PERM, event_fd,
                      nullptr) == 0) {
    ++cached_files_;
  }
}

void DecisionCache::offer_exec(int event_fd, const CacheProof& proof) {
  // One name only: a second name in a cacheable directory would hide its opens.
  struct stat st;
  if (!opens_marked_ || held_ || ::fstat(event_fd, &st) != 0 || !S_ISREG(st.st_mode) ||
      st.st_nlink != 1) {
    return;
  }
  // The rules' analysis last: it is the costly part. The move is right only if no open of
  // this file can ever be cached, by its own analysis or its directory's.
  if (scope_ != CacheScope::kOff) {
    const auto& path = proof.path();
    if (!path || path->empty() || (*path)[0] != '/') return;
    if (proof.no_open_matches_file()) return;
    if (scope_ == CacheScope::kDirectory) {
      const auto dir = directory_of(*path);
      if (!dir || proof.no_open_matches_directory(*dir)) return;
    }
  }
  if (::fanotify_mark(fd_, FAN_MARK_ADD | FAN_MARK_IGNORED_MASK, FAN_OPEN_EXEC_PERM, event_fd,
                      nullptr) == 0) {
    exec_moved_.insert({st.st_dev, st.st_ino});
  }
}

bool DecisionCache::exec_moved(int event_fd, struct stat& st, bool& read) const {
  read = false;
  if (exec_moved_.empty()) return false;
  read = ::fstat(event_fd, &st) == 0;
  return read && exec_moved_.count({st.st_dev, st.st_ino}) > 0;
}

void DecisionCache::clear() {
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

void DecisionCache::hold(bool held) {
  if (held) clear();
  held_ = held;
}

bool DecisionCache::cache_directory(int event_fd, const std::string& path) {
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

void DecisionCache::settle_soon() {
  if (settle_posted_) return;
  settle_posted_ = true;
  // After the events already waiting: settling is never ahead of an opener.
  boost::asio::post(executor_, [this, alive = std::weak_ptr<bool>(alive_)] {
    if (alive.expired()) return;
    settle_posted_ = false;
    if (!stopped_) settle();
  });
}

void DecisionCache::settle() {
  // One directory per turn of the io loop, of at most kMaxEntries entries (a few ms).
  constexpr size_t kMaxEntries = 2048;
  if (to_settle_.empty() || held_) return;
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

}  // namespace vigil::fanotify

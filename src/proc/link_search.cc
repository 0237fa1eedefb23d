#include "src/proc/link_search.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "src/common/open_in_root.h"
#include "src/common/unique_fd.h"

namespace vigil::proc {
LinkSearch find_link_below(int root_fd, std::string_view dir, dev_t dev, ino_t ino,
                           size_t max_entries) {
  UniqueFd top(
      open_in_root(root_fd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, RESOLVE_NO_MAGICLINKS));
  if (!top)
    return errno == ENOENT || errno == ENOTDIR ? LinkSearch::kNotFound : LinkSearch::kUnknown;
  struct Level {
    DIR* d;
    size_t depth;
  };
  std::vector<Level> stack;
  auto push = [&](int fd, size_t depth) {
    DIR* d = fd >= 0 ? ::fdopendir(fd) : nullptr;
    if (!d) {
      if (fd >= 0) ::close(fd);
      return false;
    }
    stack.push_back({d, depth});
    return true;
  };
  LinkSearch result = LinkSearch::kNotFound;
  size_t seen = 0;
  if (!push(top.release(), 0)) return LinkSearch::kUnknown;
  while (!stack.empty() && result == LinkSearch::kNotFound) {
    Level& level = stack.back();
    errno = 0;
    const dirent* e = ::readdir(level.d);
    if (!e) {
      if (errno != 0) result = LinkSearch::kUnknown;
      ::closedir(level.d);
      stack.pop_back();
      continue;
    }
    if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
    if (++seen > max_entries) {
      result = LinkSearch::kUnknown;
      break;
    }
    const int dfd = ::dirfd(level.d);
    bool is_dir = e->d_type == DT_DIR;
    if (e->d_type == DT_REG || e->d_type == DT_UNKNOWN) {
      struct stat st;
      if (::fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;  // gone
      if (S_ISREG(st.st_mode) && st.st_dev == dev && st.st_ino == ino) {
        result = LinkSearch::kFound;
        break;
      }
      is_dir = S_ISDIR(st.st_mode);
    }
    if (!is_dir) continue;
    const size_t depth = level.depth + 1;
    if (depth > kMaxDepth) {
      result = LinkSearch::kUnknown;
      break;
    }
    const int sub = ::openat(dfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (sub < 0 && errno == ENOENT) continue;  // removed while walked
    if (!push(sub, depth)) result = LinkSearch::kUnknown;
  }
  for (auto& level : stack) ::closedir(level.d);
  return result;
}

}  // namespace vigil::proc

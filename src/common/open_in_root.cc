#include "src/common/open_in_root.h"

#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <string>

namespace vigil {

int open_in_root(int root_fd, std::string_view path, uint64_t flags, uint64_t resolve) {
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  const std::string rel = path.empty() ? "." : std::string(path);
  open_how how{};
  how.flags = flags;
  how.resolve = RESOLVE_IN_ROOT | resolve;
  return int(::syscall(SYS_openat2, root_fd, rel.c_str(), &how, sizeof(how)));
}

}  // namespace vigil

// Opening a path inside a root directory that is not this process's own (a container's,
// through /proc/<pid>/root or a bundle's rootfs), so that its symlinks and ".." resolve
// there and cannot leave it.
#pragma once

#include <cstdint>
#include <string_view>

namespace vigil {

// openat2(root_fd, path, flags, RESOLVE_IN_ROOT | resolve). `path` is taken from the root
// whether or not it starts with '/' ("" and "/" are the root itself). Returns the new fd,
// or -1 with errno set.
int open_in_root(int root_fd, std::string_view path, uint64_t flags, uint64_t resolve = 0);

}  // namespace vigil

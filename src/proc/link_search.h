// Whether a file has a hard link below a directory: the walk behind fd.linked_below. A
// write through a second name of a system file (a link made from /etc into /tmp) is
// judged by what the file is, wherever it is opened from (rules/README.md).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string_view>

namespace vigil::proc {

enum class LinkSearch { kFound, kNotFound, kUnknown };

// Walks `dir` (absolute, resolved inside the root `root_fd`: symlinks and ".." cannot
// leave it) for a name of the inode (dev, ino). Symlinks are not followed. A `dir` that
// does not exist holds no name (kNotFound). A walk longer than `max_entries` entries or
// `kMaxDepth` levels, or a directory that cannot be opened or read, gives kUnknown.
inline constexpr size_t kMaxDepth = 32;
LinkSearch find_link_below(int root_fd, std::string_view dir, dev_t dev, ino_t ino,
                           size_t max_entries = 100000);

}  // namespace vigil::proc

// Marking a container's mounts.
#include "src/fanotify/container_watch.h"

#include <fcntl.h>

#include "src/proc/proc_reader.h"

namespace vigil::fanotify {

std::unique_ptr<ContainerWatch> ContainerWatch::create(boost::asio::io_context& io,
                                                       FanotifyGroup::Handler handler, pid_t pid,
                                                       const std::string& rootfs,
                                                       ChannelMask channels,
                                                       std::vector<std::string>& warnings,
                                                       std::string& error) {
  const uint64_t mask = fields::mask_of(channels);
  if (!mask) {
    error = "no file events to watch";
    return nullptr;
  }
  auto group = FanotifyGroup::create(io, std::move(handler), error);
  if (!group) return nullptr;
  std::unique_ptr<ContainerWatch> w(new ContainerWatch(group));
  // The root mount, then every other mount below it that holds files (volumes, binds,
  // /dev/shm).
  const std::string proc_root = "/proc/" + std::to_string(pid) + "/root";
  if (!group->mark_mount(proc_root + rootfs, mask, error)) return nullptr;
  // The container's root as its processes will see it (before pivot_root, reached through
  // the process's mount namespace), for the per-directory cache.
  group->cache().set_root(
      UniqueFd(::open((proc_root + rootfs).c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC)));
  for (const auto& mp : proc::container_mounts(pid, rootfs)) {
    std::string mark_error;
    if (group->mark_mount(proc_root + mp, mask, mark_error)) {
      ++w->other_mounts_;
    } else {
      warnings.push_back(mark_error);
    }
  }
  group->use_journal(EventJournal::create());
  return w;
}

std::unique_ptr<ContainerWatch> ContainerWatch::adopt(boost::asio::io_context& io,
                                                      FanotifyGroup::Handler handler,
                                                      UniqueFd group_fd, UniqueFd journal,
                                                      UniqueFd root, std::string& error) {
  auto group = FanotifyGroup::adopt(io, std::move(group_fd), std::move(handler), error);
  if (!group) return nullptr;
  if (journal) group->use_journal(EventJournal::adopt(std::move(journal)));
  if (root) group->cache().set_root(std::move(root));
  return std::unique_ptr<ContainerWatch>(new ContainerWatch(std::move(group)));
}

}  // namespace vigil::fanotify

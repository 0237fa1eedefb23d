// One container's file watch: its fanotify group marked on the container's root mount and
// every file-holding mount below it, the container's root (for the directory cache) and the
// group's event journal. The FAN_* bits it marks come from the rule channels through
// src/fields/channels.h: nothing above this layer knows fanotify's masks.
#pragma once

#include <boost/asio.hpp>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "src/common/unique_fd.h"
#include "src/fanotify/fanotify_group.h"
#include "src/fields/channels.h"

namespace vigil::fanotify {

class ContainerWatch {
 public:
  // A new group for the container whose first process is `pid` (at createRuntime, before
  // pivot_root) and whose root file system is at host path `rootfs`. The container's mounts
  // are reached through /proc/<pid>/root/<rootfs>, in its mount namespace: marking them
  // marks exactly those mounts, not the host's view. nullptr and `error` if the group or
  // the root mount cannot be marked; a mount below it that cannot is a warning.
  static std::unique_ptr<ContainerWatch> create(boost::asio::io_context& io,
                                                FanotifyGroup::Handler handler, pid_t pid,
                                                const std::string& rootfs, ChannelMask channels,
                                                std::vector<std::string>& warnings,
                                                std::string& error);
  // Serves a predecessor's watch (from the keeper): the marks are in the kernel already.
  // `journal` and `root` may be invalid.
  static std::unique_ptr<ContainerWatch> adopt(boost::asio::io_context& io,
                                               FanotifyGroup::Handler handler, UniqueFd group,
                                               UniqueFd journal, UniqueFd root, std::string& error);

  FanotifyGroup& group() { return *group_; }
  const FanotifyGroup& group() const { return *group_; }
  const std::shared_ptr<FanotifyGroup>& group_ptr() const { return group_; }
  // Mounts marked besides the root mount (0 for an adopted watch: not counted again).
  size_t other_mounts() const { return other_mounts_; }
  // The fds a keeper must hold for a successor to adopt this watch (-1 where there is none).
  int group_fd() const { return group_->fd(); }
  int journal_fd() const { return group_->journal().valid() ? group_->journal().fd() : -1; }
  int root_fd() const { return group_->cache().root_fd(); }

 private:
  explicit ContainerWatch(std::shared_ptr<FanotifyGroup> g) : group_(std::move(g)) {}
  std::shared_ptr<FanotifyGroup> group_;
  size_t other_mounts_ = 0;
};

}  // namespace vigil::fanotify

// Falco's watch_config_files: the rules files (and the folders they are in) are watched
// with inotify, and a change reloads the rules, as SIGHUP does: a ConfigMap update in
// Kubernetes (its files swapped through a `..data` symlink) takes effect without a
// restart. Changes are gathered for a short moment so that an editor's or kubelet's
// several writes make one reload. Runs on the engine's io thread.
#pragma once

#include <boost/asio.hpp>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "src/common/unique_fd.h"

namespace vigil::engine {

class RulesWatch {
 public:
  // Watches each path's folder (a folder itself when the path is one); false and `error`
  // if inotify cannot be had.
  bool start(boost::asio::io_context& io, const std::vector<std::string>& paths,
             std::function<void()> on_change, std::string& error);
  ~RulesWatch();

 private:
  void read();
  // Whether a change of `name` in the folder watched as `wd` concerns the rules: a rules
  // file itself, any *.yaml of a rules folder, or a ConfigMap's `..data` swap.
  bool relevant(int wd, const std::string& name) const;
  struct Watched {
    bool folder;                  // a rules folder (every *.yaml in it), else one file's folder
    std::set<std::string> files;  // the rules files watched in it (file paths)
  };
  std::map<int, Watched> watched_;
  bool pending_ = false;
  std::unique_ptr<boost::asio::posix::stream_descriptor> fd_;
  std::unique_ptr<boost::asio::steady_timer> settle_;
  std::function<void()> on_change_;
  alignas(8) char buf_[4096];
};

}  // namespace vigil::engine

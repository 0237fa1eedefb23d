// inotify on the rules' folders.
#include "src/engine/rules_watch.h"

#include <sys/inotify.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace vigil::engine {

bool RulesWatch::start(boost::asio::io_context& io, const std::vector<std::string>& paths,
                       std::function<void()> on_change, std::string& error) {
  UniqueFd fd(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
  if (!fd) {
    error = std::string("inotify: ") + std::strerror(errno);
    return false;
  }
  namespace fs = std::filesystem;
  std::map<std::string, Watched> dirs;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      dirs[p].folder = true;
    } else {
      dirs[fs::path(p).parent_path().string()].files.insert(fs::path(p).filename().string());
    }
  }
  // Writes, renames, creations and removals: what an editor, `cp` and kubelet's atomic
  // symlink swap do.
  const uint32_t mask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE |
                        IN_ATTRIB | IN_DONT_FOLLOW;
  for (const auto& [d, w] : dirs) {
    const int wd = ::inotify_add_watch(fd.get(), d.c_str(), mask);
    if (wd >= 0) watched_[wd] = w;
  }
  if (watched_.empty()) {
    error = "no rules folder could be watched";
    return false;
  }
  on_change_ = std::move(on_change);
  settle_ = std::make_unique<boost::asio::steady_timer>(io);
  fd_ = std::make_unique<boost::asio::posix::stream_descriptor>(io, fd.release());
  read();
  return true;
}

RulesWatch::~RulesWatch() {
  boost::system::error_code ignored;
  if (fd_) fd_->close(ignored);
}

bool RulesWatch::relevant(int wd, const std::string& name) const {
  const auto it = watched_.find(wd);
  if (it == watched_.end()) return false;
  if (name.rfind("..", 0) == 0) return true;  // kubelet's ..data swap
  if (it->second.files.count(name)) return true;
  if (!it->second.folder) return false;
  const auto ends = [&](const char* ext) {
    const size_t n = std::strlen(ext);
    return name.size() >= n && name.compare(name.size() - n, n, ext) == 0;
  };
  return ends(".yaml") || ends(".yml");
}

void RulesWatch::read() {
  fd_->async_read_some(
      boost::asio::buffer(buf_), [this](const boost::system::error_code& ec, size_t n) {
        if (ec) return;  // closed
        bool any = false;
        for (size_t off = 0; off + sizeof(inotify_event) <= n;) {
          inotify_event ev;
          std::memcpy(&ev, buf_ + off, sizeof(ev));
          const char* name = buf_ + off + sizeof(inotify_event);
          any = any || relevant(ev.wd, ev.len ? std::string(name, strnlen(name, ev.len)) : "");
          off += sizeof(inotify_event) + ev.len;
        }
        // One reload for a burst of changes, at most 300 ms after the first of them: the
        // alert file or a log in the same folder must not put it off for ever.
        if (any && !pending_) {
          pending_ = true;
          settle_->expires_after(std::chrono::milliseconds(300));
          settle_->async_wait([this](const boost::system::error_code& e) {
            pending_ = false;
            if (!e) on_change_();
          });
        }
        read();
      });
}

}  // namespace vigil::engine

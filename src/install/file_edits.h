// The files `vigil install` writes or edits, recorded so that `vigil uninstall` can put each
// one back exactly. The first install that changes a file keeps its original bytes (or
// notes that it did not exist) and a copy of what it wrote, in <root>/var/lib/vigil/install.
// Uninstall restores the original if the file is still what install wrote; if someone
// changed it since, the caller's semantic removal runs instead (and says so).
#pragma once

#include <functional>
#include <optional>
#include <ostream>
#include <string>

namespace vigil::install {

// Where install and uninstall say what they do (out) and what failed (err).
struct Report {
  std::ostream& out;
  std::ostream& err;
};

class FileEdits {
 public:
  FileEdits(std::string root, bool dry_run, const Report& out);

  // The host path of `path` (an absolute path as the installed system sees it).
  std::string host(const std::string& path) const;
  std::optional<std::string> read(const std::string& path) const;
  bool exists(const std::string& path) const;

  // Writes `content` to `path` (mode 0644, folders made) unless it already holds exactly
  // that; records the original for uninstall. False on an I/O error (reported).
  bool write(const std::string& path, const std::string& content, const std::string& why,
             unsigned mode = 0644);
  bool symlink(const std::string& path, const std::string& target, const std::string& why);

  // Uninstall one file. `remove_ours` computes the file without vigil's part from its
  // current text (nullopt: delete the file); it runs only when the file changed since
  // install wrote it.
  bool revert(const std::string& path,
              const std::function<std::optional<std::string>(const std::string&)>& remove_ours);

  // Removes the folders install made (recorded as it made them), innermost first, each only
  // if it is empty.
  void remove_made_folders();

  size_t changed() const { return changed_; }  // files changed (dry run: would be)
  bool failed() const { return failed_; }

 private:
  std::string state_dir() const;
  std::string key(const std::string& path) const;

  std::string root_;
  bool dry_run_;
  const Report& out_;
  size_t changed_ = 0;
  bool failed_ = false;
};

}  // namespace vigil::install

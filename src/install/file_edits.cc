#include "src/install/file_edits.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace vigil::install {
namespace fs = std::filesystem;

namespace {

// The folders create_directories would make for `path`, outermost first.
std::vector<fs::path> missing_parents(const std::string& path) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (fs::path p = fs::path(path).parent_path(); !p.empty() && p != p.root_path();
       p = p.parent_path()) {
    if (fs::exists(p, ec)) break;
    out.insert(out.begin(), p);
  }
  return out;
}

bool write_file(const std::string& path, const std::string& content, unsigned mode,
                std::string& error) {
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  const std::string tmp = path + ".vigil-tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f << content;
    if (!f.flush()) {
      error = std::strerror(errno);
      return false;
    }
  }
  ::chmod(tmp.c_str(), mode);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {  // never a half-written config
    error = std::strerror(errno);
    ::unlink(tmp.c_str());
    return false;
  }
  return true;
}

}  // namespace

FileEdits::FileEdits(std::string root, bool dry_run, const Report& out)
    : root_(std::move(root)), dry_run_(dry_run), out_(out) {
  while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
}

std::string FileEdits::host(const std::string& path) const {
  return root_ == "/" ? path : root_ + path;
}

std::string FileEdits::state_dir() const { return host("/var/lib/vigil/install"); }

// A file name for `path` in the state folder: the path with '/' as '%'.
std::string FileEdits::key(const std::string& path) const {
  std::string k;
  for (char c : path) k += c == '/' ? '%' : c;
  return k;
}

std::optional<std::string> FileEdits::read(const std::string& path) const {
  std::ifstream f(host(path), std::ios::binary);
  if (!f) return std::nullopt;
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

bool FileEdits::exists(const std::string& path) const {
  std::error_code ec;
  return fs::exists(fs::symlink_status(host(path), ec));
}

bool FileEdits::write(const std::string& path, const std::string& content, const std::string& why,
                      unsigned mode) {
  const auto now = read(path);
  if (now && *now == content) {
    out_.out << "  unchanged  " << path << "\n";
    return true;
  }
  out_.out << (dry_run_ ? "  would " : "  ") << (now ? "update " : "create ") << path << "  ("
           << why << ")\n";
  if (dry_run_) return ++changed_, true;  // counted as it would be
  std::string error;
  const std::string dir = state_dir();
  const std::string original = dir + "/" + key(path) + ".original";
  const std::string absent = dir + "/" + key(path) + ".absent";
  // The first change keeps the true original; later installs keep it.
  // Folders made for it (and for the state) are removed again by uninstall, if empty.
  std::vector<fs::path> made = missing_parents(host(path));
  for (const auto& d : missing_parents(original)) made.push_back(d);
  if (!made.empty()) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    std::ofstream list(dir + "/folders", std::ios::app);
    for (const auto& d : made) list << d.string() << "\n";
  }
  if (!fs::exists(original) && !fs::exists(absent)) {
    const bool ok =
        now ? write_file(original, *now, 0600, error) : write_file(absent, "", 0600, error);
    if (!ok) {
      out_.err << "vigil install: cannot keep the original of " << path << ": " << error << "\n";
      failed_ = true;
      return false;
    }
  }
  if (!write_file(host(path), content, mode, error) ||
      !write_file(dir + "/" + key(path) + ".installed", content, 0600, error)) {
    out_.err << "vigil install: cannot write " << path << ": " << error << "\n";
    failed_ = true;
    return false;
  }
  ++changed_;
  return true;
}

bool FileEdits::symlink(const std::string& path, const std::string& target,
                        const std::string& why) {
  std::error_code ec;
  if (fs::is_symlink(host(path), ec) && fs::read_symlink(host(path), ec) == target) {
    out_.out << "  unchanged  " << path << "\n";
    return true;
  }
  out_.out << (dry_run_ ? "  would " : "  ") << "link " << path << " -> " << target << "  (" << why
           << ")\n";
  if (dry_run_) return ++changed_, true;  // counted as it would be
  fs::remove(host(path), ec);
  fs::create_symlink(target, host(path), ec);
  if (ec) {
    out_.err << "vigil install: cannot link " << path << ": " << ec.message() << "\n";
    failed_ = true;
    return false;
  }
  ++changed_;
  return true;
}

bool FileEdits::revert(
    const std::string& path,
    const std::function<std::optional<std::string>(const std::string&)>& remove_ours) {
  const std::string dir = state_dir();
  const std::string original = dir + "/" + key(path) + ".original";
  const std::string absent = dir + "/" + key(path) + ".absent";
  const std::string installed = dir + "/" + key(path) + ".installed";
  std::error_code ec;
  const auto now = read(path);
  std::ifstream inst(installed, std::ios::binary);
  std::ostringstream wrote;
  wrote << inst.rdbuf();
  const bool recorded = bool(inst);
  if (!recorded && !now) return true;  // never installed, nothing there
  std::optional<std::string> want;     // what the file should hold; nullopt: no file
  if (recorded && now && *now == wrote.str()) {
    if (fs::exists(original)) {
      std::ifstream o(original, std::ios::binary);
      std::ostringstream s;
      s << o.rdbuf();
      want = s.str();
    }
  } else if (now) {
    want = remove_ours(*now);
    if (!recorded && !want) {
      out_.out << "  left       " << path << "  (not written by vigil install)\n";
      return true;
    }
    if (want && *want == *now) {
      out_.out << "  unchanged  " << path << "\n";
      return true;
    }
    if (recorded)
      out_.out << "  note: " << path << " changed since install; removing only vigil's part\n";
  }
  out_.out << (dry_run_ ? "  would " : "  ") << (want ? "restore " : "remove ") << path << "\n";
  if (dry_run_) return ++changed_, true;  // counted as it would be
  std::string error;
  bool ok = true;
  if (want) {
    ok = write_file(host(path), *want, 0644, error);
  } else {
    fs::remove(host(path), ec);
    if (ec) error = ec.message(), ok = false;
  }
  if (!ok) {
    out_.err << "vigil uninstall: cannot change " << path << ": " << error << "\n";
    failed_ = true;
    return false;
  }
  for (const auto& f : {original, absent, installed}) fs::remove(f, ec);
  ++changed_;
  return true;
}

void FileEdits::remove_made_folders() {
  if (dry_run_) return;
  const std::string list = state_dir() + "/folders";
  std::ifstream in(list);
  std::vector<std::string> dirs;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) dirs.push_back(line);
  }
  std::error_code ec;
  fs::remove(list, ec);
  // Innermost first; a folder that is not empty (someone else's files) stays.
  std::sort(dirs.begin(), dirs.end(),
            [](const auto& a, const auto& b) { return a.size() > b.size(); });
  for (const auto& d : dirs) fs::remove(d, ec);
}

}  // namespace vigil::install

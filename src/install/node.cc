#include "src/install/node.h"

#include <fcntl.h>
#include <link.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <functional>

namespace vigil::install {
namespace fs = std::filesystem;

namespace {

// The C library's objects: a node has them, matched to its own loader. Bundling any of
// them would break the binary on a node whose glibc differs.
bool from_the_c_library(const std::string& name) {
  static constexpr std::array<const char*, 12> kPrefixes = {
      "ld-linux",   "libc.so",      "libm.so",   "libpthread.so", "libdl.so",   "librt.so",
      "libutil.so", "libresolv.so", "libanl.so", "libnss_",       "libmvec.so", "linux-vdso"};
  for (const char* p : kPrefixes) {
    if (name.rfind(p, 0) == 0) return true;
  }
  return false;
}

int add_library(dl_phdr_info* info, size_t, void* data) {
  auto* out = static_cast<std::vector<std::string>*>(data);
  const std::string path = info->dlpi_name ? info->dlpi_name : "";
  if (path.empty() || path[0] != '/') return 0;  // the binary itself, the vDSO
  if (!from_the_c_library(fs::path(path).filename().string())) out->push_back(path);
  return 0;
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

int run_captured(const std::vector<std::string>& argv, std::string& output,
                 const std::function<void()>& in_child) {
  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) return -1;
  const pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    ::dup2(pipefd[1], 1);
    ::dup2(pipefd[1], 2);
    if (in_child) in_child();
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    const std::string msg = "cannot run " + argv[0] + ": " + std::strerror(errno) + "\n";
    (void)!::write(2, msg.data(), msg.size());
    _exit(127);
  }
  ::close(pipefd[1]);
  char buf[4096];
  ssize_t n;
  while ((n = ::read(pipefd[0], buf, sizeof(buf))) > 0) {
    if (output.size() < 65536) output.append(buf, size_t(n));
  }
  ::close(pipefd[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::vector<std::string> bundled_libraries() {
  std::vector<std::string> out;
  ::dl_iterate_phdr(add_library, &out);
  return out;
}

std::string check_runs_in(const std::string& root, const std::string& bin) {
  std::string output;
  const int rc = run_captured({bin, "hook", "--help"}, output, [&] {
    if (::chroot(root.c_str()) != 0 || ::chdir("/") != 0) {
      const std::string msg = "cannot chroot to " + root + ": " + std::strerror(errno) + "\n";
      (void)!::write(2, msg.data(), msg.size());
      _exit(126);
    }
  });
  // The help of `vigil hook` or `vigil-runc hook` (the runtimes' way in).
  if (rc == 0 && output.find("\nusage: vigil") != std::string::npos) return "";
  return "exit status " + std::to_string(rc) + ": " + trimmed(output);
}

bool restart_unit(const std::string& root, const std::string& verb, const std::string& unit,
                  std::string& why) {
  std::error_code ec;
  if (!fs::is_directory(fs::path(root) / "run/systemd/system", ec)) {
    why = "the node has no systemd (no /run/systemd/system)";
    return false;
  }
  // PID 1 must be the node's init, not a pod's: its root is the node's root.
  struct stat pid1_root {
  }, node_root{};
  if (::stat("/proc/1/root/", &pid1_root) != 0 || ::stat(root.c_str(), &node_root) != 0 ||
      pid1_root.st_dev != node_root.st_dev || pid1_root.st_ino != node_root.st_ino) {
    why = "PID 1 here is not the node's init (a pod needs hostPID: true)";
    return false;
  }
  const int mnt = ::open("/proc/1/ns/mnt", O_RDONLY | O_CLOEXEC);
  if (mnt < 0) {
    why = std::string("cannot open the node's mount namespace: ") + std::strerror(errno);
    return false;
  }
  std::string output;
  const int rc = run_captured({"systemctl", verb, unit}, output, [&] {
    if (::setns(mnt, CLONE_NEWNS) != 0 || ::chdir("/") != 0) _exit(126);
  });
  ::close(mnt);
  if (rc != 0) {
    why = "systemctl " + verb + " " + unit + ": exit status " + std::to_string(rc) + ": " +
          trimmed(output);
    return false;
  }
  return true;
}

}  // namespace vigil::install

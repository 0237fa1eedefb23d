// The program sink: alerts as lines on the stdin of `/bin/sh -c program` (Falco's
// program_output). With keep_alive one program takes every alert and is started again when
// it has exited; without, each alert gets a program of its own, waited for.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "src/common/unique_fd.h"
#include "src/outputs/sinks/sinks.h"

extern char** environ;

namespace vigil::outputs {
namespace {

class ProgramSink final : public AlertSink {
 public:
  ProgramSink(config::ProgramOutput cfg, const FormatOptions& f)
      : cfg_(std::move(cfg)), format_(f) {}
  ~ProgramSink() override { stop(); }

  std::string_view name() const override { return "program"; }
  std::string last_error() const override { return error_; }

  bool write(const Alert& a) override {
    const std::string line = to_line(a, format_) + "\n";
    if (cfg_.keep_alive) {
      reap_if_exited();
      // A program that exited since the last alert fails this write at once: one restart.
      for (int attempt = 0; attempt < 2; ++attempt) {
        if (!stdin_ && !start()) return false;
        if (write_all(line)) return true;
        stop();
      }
      return false;
    }
    if (!start()) return false;
    const bool ok = write_all(line);
    const int status = stop();
    if (ok && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
      error_ = "'" + cfg_.program + "' " +
               (WIFSIGNALED(status) ? "was killed by signal " + std::to_string(WTERMSIG(status))
                                    : "exited with " + std::to_string(WEXITSTATUS(status)));
      return false;
    }
    return ok;
  }

 private:
  bool start() {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) {
      error_ = std::string("pipe: ") + std::strerror(errno);
      return false;
    }
    UniqueFd read_end(p[0]), write_end(p[1]);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, read_end.get(), 0);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    // The engine blocks and handles signals of its own; the program starts clean.
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    const char* argv[] = {"sh", "-c", cfg_.program.c_str(), nullptr};
    pid_t pid = 0;
    const int rc = ::posix_spawn(&pid, "/bin/sh", &fa, &attr, const_cast<char**>(argv), environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) {
      error_ = "cannot start /bin/sh -c '" + cfg_.program + "': " + std::strerror(rc);
      return false;
    }
    pid_ = pid;
    stdin_ = std::move(write_end);
    return true;
  }

  bool write_all(const std::string& s) {
    size_t done = 0;
    while (done < s.size()) {
      // MSG_NOSIGNAL does not exist for pipes: SIGPIPE is blocked on this thread instead
      // (a write to a program that exited fails with EPIPE).
      const ssize_t n = ::write(stdin_.get(), s.data() + done, s.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        error_ = "writing to '" + cfg_.program + "': " + std::strerror(errno);
        return false;
      }
      done += size_t(n);
    }
    return true;
  }

  // Closes its stdin and waits for it (killed after 2 s); its wait status.
  int stop() {
    stdin_.reset();
    int status = 0;
    if (pid_ <= 0) return status;
    for (int waited_ms = 0;; waited_ms += 10) {
      const pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_ || (r < 0 && errno != EINTR)) break;
      if (waited_ms == 2000) ::kill(pid_, SIGKILL);
      ::usleep(10000);
    }
    pid_ = 0;
    return status;
  }

  void reap_if_exited() {
    int status = 0;
    if (pid_ > 0 && ::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = 0;
      stdin_.reset();
    }
  }

  config::ProgramOutput cfg_;
  FormatOptions format_;
  pid_t pid_ = 0;
  UniqueFd stdin_;
  std::string error_;
};

}  // namespace

std::unique_ptr<AlertSink> make_program_sink(const config::ProgramOutput& p,
                                             const FormatOptions& f) {
  return std::make_unique<ProgramSink>(p, f);
}

}  // namespace vigil::outputs

// The program sink: alerts as lines on the stdin of `/bin/sh -c program` (Falco's
// program_output). With keep_alive one program takes every alert and is started again when
// it has exited; without, each alert gets a program of its own, waited for.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "src/common/spawn.h"
#include "src/common/unique_fd.h"
#include "src/outputs/sinks/sinks.h"

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
    std::string error;
    const pid_t pid =
        spawn_program({"/bin/sh", "-c", cfg_.program}, read_end.get(), -1, false, error);
    if (pid < 0) {
      error_ = error + " (program_output '" + cfg_.program + "')";
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

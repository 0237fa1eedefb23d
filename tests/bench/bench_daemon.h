// A vigil daemon for benchmarks: writes a config and rules into `dir`, starts
// `vigil daemon` as a separate process and waits for its sockets; stops it when destroyed.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace vigil::bench {

class BenchDaemon {
 public:
  BenchDaemon(const std::string& vigil, const std::string& dir, const std::string& rules_yaml,
              const std::string& extra_config = "")
      : dir_(dir) {
    std::ofstream(dir + "/rules.yaml") << rules_yaml;
    std::ofstream(dir + "/vigil.yaml") << "rules_files: [" << dir << "/rules.yaml]\n"
                                       << "stdout_output: {enabled: false}\n"
                                       << "syslog_output: {enabled: false}\n"
                                       << "listener_socket: " << listener() << "\n"
                                       << "control_socket: " << control()
                                       << "\n"
                                       // a benchmark's end is no restart: stop at once
                                       << "successor_wait_s: 0\n"
                                       << extra_config;
    pid_ = fork();
    if (pid_ == 0) {
      if (!freopen((dir + "/daemon.log").c_str(), "w", stderr)) _exit(126);
      execl(vigil.c_str(), "vigil", "daemon", "-c", (dir + "/vigil.yaml").c_str(), nullptr);
      _exit(127);
    }
    for (int i = 0; i < 100 && access(control().c_str(), F_OK) != 0; ++i) usleep(50000);
  }
  ~BenchDaemon() {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }
  std::string listener() const { return dir_ + "/seccomp.sock"; }
  std::string control() const { return dir_ + "/control.sock"; }

 private:
  std::string dir_;
  pid_t pid_ = -1;
};

}  // namespace vigil::bench

// Starting a helper program from a daemon thread: posix_spawnp with a clean signal mask and
// default dispositions (the daemon blocks and handles signals of its own), and the given
// fds as its stdin and stdout (-1: inherited). Its stderr goes to /dev/null when asked.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace vigil {

// The child's pid, or -1 with `error` ("cannot start ARGV0: reason").
pid_t spawn_program(const std::vector<std::string>& argv, int stdin_fd, int stdout_fd,
                    bool quiet_stderr, std::string& error);

}  // namespace vigil

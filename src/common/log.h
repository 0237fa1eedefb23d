// The daemon's own log (not alerts): spdlog, to stderr, from a thread of its own, so that a
// log line never delays an answer to the kernel. A line still queued when the process is
// SIGKILLed is lost; one from a clean exit is not (shutdown() drains the queue).
#pragma once

#include <string>

namespace vigil::log {

// Where lines go and from which level (Falco's log_level, log_stderr, log_syslog).
struct Options {
  std::string level = "info";  // emergency .. debug, Falco's names
  bool to_stderr = true;       // with a timestamp and the level
  bool to_syslog = false;      // LOG_DAEMON, ident "vigil"
};

// Sets up the process's logger; lines start with `prefix` ("vigil", "vigil keeper").
// Until it is called (tools, tests), lines go to stderr synchronously.
void init(const std::string& prefix, const Options& o = {});
// The same, written synchronously: for the keeper, which forks (a logging thread would not
// survive into the child) and writes a line only when something happens to an engine.
void init_sync(const std::string& prefix, const Options& o = {});
void debug(const std::string& line);
void info(const std::string& line);
void warn(const std::string& line);
void error(const std::string& line);
// Writes out what is queued (before exit).
void shutdown();

}  // namespace vigil::log

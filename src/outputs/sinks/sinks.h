// The sinks vigil ships, and the factory that makes the configured ones. Adding a sink: a
// file here with its class, one line in make_sinks(); nothing in the engine changes.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "vigil/sink.h"

namespace vigil::outputs {

struct OutputConfig {
  bool json = true;  // stdout: JSON lines (else Falco's text lines)
  bool stdout_enabled = true;
  bool syslog_enabled = true;
  bool file_enabled = false;
  std::string file_path;
};

// stdout: one line per alert, JSON or text, flushed at once.
std::unique_ptr<AlertSink> make_stdout_sink(bool json);
// syslog (LOG_DAEMON), Falco's priority as the severity, the text line as the message.
std::unique_ptr<AlertSink> make_syslog_sink();
// A file of JSON lines, opened for appending (its folder created); reopen() reopens it
// (after a log rotation). nullptr and `error` if it cannot be opened.
std::unique_ptr<AlertSink> make_file_sink(const std::string& path, std::string& error);

// The sinks `cfg` enables. A sink that cannot be made is left out, with the reason in
// `errors`.
std::vector<std::unique_ptr<AlertSink>> make_sinks(const OutputConfig& cfg,
                                                   std::vector<std::string>& errors);

}  // namespace vigil::outputs

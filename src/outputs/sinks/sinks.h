// The sinks vigil ships, and the factory that makes the configured ones. Adding a sink: a
// file here with its class, one line in make_sinks(); nothing in the engine changes.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "src/config/config.h"
#include "src/outputs/alert_record.h"
#include "vigil/sink.h"

namespace vigil::outputs {

struct OutputConfig {
  FormatOptions format;   // json_output and Falco's json_include_* / time_format options
  bool buffered = false;  // buffered_outputs: stdout and file are not flushed per alert
  bool stdout_enabled = true;
  bool syslog_enabled = true;
  bool file_enabled = false;
  std::string file_path;
  config::HttpOutput http;
  config::ProgramOutput program;
};

// The outputs of a config file.
OutputConfig output_config(const config::Config& c);

// stdout: one line per alert, JSON or text.
std::unique_ptr<AlertSink> make_stdout_sink(const FormatOptions& f, bool buffered);
// syslog (LOG_DAEMON), Falco's priority as the severity; the JSON line or the text line
// without a time (syslog stamps its own).
std::unique_ptr<AlertSink> make_syslog_sink(const FormatOptions& f);
// A file of JSON lines (always JSON: it is what log shippers read), opened for appending
// (its folder created); reopen() reopens it (after a log rotation). nullptr and `error` if
// it cannot be opened.
std::unique_ptr<AlertSink> make_file_sink(const std::string& path, const FormatOptions& f,
                                          bool buffered, std::string& error);
// One POST of the alert's JSON per alert, http or https (Boost.Beast, OpenSSL), Falco's
// http_output keys. nullptr and `error` for a URL or TLS setting it cannot use.
std::unique_ptr<AlertSink> make_http_sink(const config::HttpOutput& h, const FormatOptions& f,
                                          std::string& error);
// Lines on the stdin of `/bin/sh -c program`: one program per alert, or with keep_alive one
// for all (started again when it exits).
std::unique_ptr<AlertSink> make_program_sink(const config::ProgramOutput& p,
                                             const FormatOptions& f);

// The sinks `cfg` enables. A sink that cannot be made is left out, with the reason in
// `errors`.
std::vector<std::unique_ptr<AlertSink>> make_sinks(const OutputConfig& cfg,
                                                   std::vector<std::string>& errors);

}  // namespace vigil::outputs

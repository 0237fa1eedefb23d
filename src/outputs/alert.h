// An alert, in Falco's JSON shape (time, rule, priority, source, hostname, output,
// output_fields, tags) plus vigil's action and container, and the sinks that write it.
#pragma once

#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "vigil/verdict.h"

namespace vigil::outputs {

struct Alert {
  int64_t time_ns = 0;
  std::string rule;
  Priority priority = Priority::kWarning;
  std::string output;
  std::vector<std::pair<std::string, std::string>> output_fields;
  std::vector<std::string> tags;
  std::string action;  // alert, block, kill, "would block", "would kill"
  std::string container_id, container_name, container_image;
  std::string hostname;
};

std::string to_json_line(const Alert& a);  // one line, no newline
std::string to_text_line(const Alert& a);  // Falco's stdout shape

struct OutputConfig {
  bool json = true;
  bool stdout_enabled = true;
  bool syslog_enabled = true;
  bool file_enabled = false;
  std::string file_path;
};

// Writes alerts from its own thread, so no output can delay an answer to the kernel
// (syslog/journald may be the very process waiting on vigil). The queue is bounded; an
// overflow drops the alert, counts it, and reports the count with the next alert written.
class AsyncOutputs {
 public:
  explicit AsyncOutputs(OutputConfig cfg, size_t capacity = 65536);
  ~AsyncOutputs();
  void push(Alert a);  // never blocks
  void flush();        // waits until everything queued so far is written (tests)
  uint64_t dropped() const;

 private:
  void run();
  void write(const Alert& a);
  OutputConfig cfg_;
  size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable cv_, idle_;
  std::deque<Alert> queue_;
  bool stop_ = false;
  bool busy_ = false;
  uint64_t dropped_ = 0, reported_dropped_ = 0;
  std::FILE* file_ = nullptr;
  std::thread thread_;
};

}  // namespace vigil::outputs

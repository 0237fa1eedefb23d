// An alert, in Falco's JSON shape (time, rule, priority, source, hostname, output,
// output_fields, tags) plus vigil's action, container and id.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
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
  std::string id;  // unique per alert: "<engine pid>-<sequence>"; set when queued
};

std::string to_json_line(const Alert& a);  // one line, no newline
std::string to_text_line(const Alert& a);  // Falco's stdout shape
// The journal's encoding: everything, losslessly.
std::string to_record(const Alert& a);
std::optional<Alert> from_record(const std::string& text);

}  // namespace vigil::outputs

// An alert, in Falco's JSON shape (time, rule, priority, source, hostname, output,
// output_fields, tags) plus vigil's action, container and id.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "vigil/verdict.h"

namespace vigil {

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

}  // namespace vigil

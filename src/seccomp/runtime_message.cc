// Parsing of the runtime's seccomp-listener message (runc's compact JSON, crun's pretty one).
#include "src/seccomp/runtime_message.h"

#include <nlohmann/json.hpp>

namespace vigil::seccomp {

size_t complete_json_object(std::string_view buf) {
  size_t i = 0;
  while (i < buf.size() && (buf[i] == ' ' || buf[i] == '\n' || buf[i] == '\r' || buf[i] == '\t'))
    ++i;
  if (i >= buf.size() || buf[i] != '{') return 0;
  int depth = 0;
  bool in_string = false, escaped = false;
  for (; i < buf.size(); ++i) {
    char c = buf[i];
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"')
      in_string = true;
    else if (c == '{')
      ++depth;
    else if (c == '}' && --depth == 0)
      return i + 1;
  }
  return 0;
}

std::optional<ContainerProcessState> parse_runtime_message(std::string_view text,
                                                           std::string& error) {
  if (text.size() > kMaxRuntimeMessage) {
    error = "message larger than " + std::to_string(kMaxRuntimeMessage) + " bytes";
    return std::nullopt;
  }
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    error = "not a JSON object";
    return std::nullopt;
  }
  ContainerProcessState s;
  auto str = [](const nlohmann::json& o, const char* k) -> std::string {
    auto it = o.find(k);
    return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  auto num = [](const nlohmann::json& o, const char* k) -> int {
    auto it = o.find(k);
    return it != o.end() && it->is_number_integer() ? it->get<int>() : 0;
  };
  s.oci_version = str(j, "ociVersion");
  s.pid = num(j, "pid");
  s.metadata = str(j, "metadata");
  auto fds = j.find("fds");
  if (fds == j.end() || !fds->is_array()) {
    error = "no \"fds\" array";
    return std::nullopt;
  }
  for (size_t i = 0; i < fds->size(); ++i) {
    if ((*fds)[i].is_string() && (*fds)[i].get<std::string>() == "seccompFd") {
      s.seccomp_fd_index = int(i);
    }
  }
  if (s.seccomp_fd_index < 0) {
    error = "\"fds\" names no seccompFd";
    return std::nullopt;
  }
  auto state = j.find("state");
  if (state == j.end() || !state->is_object()) {
    error = "no \"state\" object";
    return std::nullopt;
  }
  s.container_id = str(*state, "id");
  s.status = str(*state, "status");
  s.container_pid = num(*state, "pid");
  s.bundle = str(*state, "bundle");
  if (s.container_id.empty()) {
    error = "state has no container id";
    return std::nullopt;
  }
  auto ann = state->find("annotations");
  if (ann != state->end() && ann->is_object()) {
    for (auto it = ann->begin(); it != ann->end(); ++it) {
      if (it.value().is_string()) s.annotations[it.key()] = it.value().get<std::string>();
    }
  }
  return s;
}

}  // namespace vigil::seccomp

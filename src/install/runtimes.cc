#include "src/install/runtimes.h"

#include <re2/re2.h>

#include <nlohmann/json.hpp>
#include <sstream>

namespace vigil::install {

// From the build (embedded.cc): the repository's etc/vigil.yaml and rules/vigil_rules.yaml.
extern const char kDefaultConfig[];
extern const char kDefaultRules[];
extern const char kSystemdUnit[];

namespace {

constexpr const char* kBegin =
    "# vigil begin: added by `vigil install`; `vigil uninstall` removes it";
constexpr const char* kEnd = "# vigil end";

}  // namespace

std::optional<std::string> docker_with(const std::optional<std::string>& current, const Paths& p,
                                       std::string& error) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  if (current && current->find_first_not_of(" \t\r\n") != std::string::npos) {
    j = nlohmann::ordered_json::parse(*current, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      error = "it is not a JSON object; fix it first (vigil leaves it as it is)";
      return std::nullopt;
    }
  }
  const nlohmann::ordered_json want = {{"path", p.runc}};
  if (j.contains("runtimes") && j["runtimes"].is_object() && j["runtimes"].contains("vigil") &&
      j["runtimes"]["vigil"] == want) {
    return current;  // already there: never reformat the user's file
  }
  if (j.contains("runtimes") && !j["runtimes"].is_object()) {
    error = "its \"runtimes\" is not an object";
    return std::nullopt;
  }
  j["runtimes"]["vigil"] = want;
  return j.dump(2) + "\n";
}

std::optional<std::string> docker_without(const std::string& current) {
  auto j = nlohmann::ordered_json::parse(current, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("runtimes") || !j["runtimes"].is_object() ||
      !j["runtimes"].contains("vigil")) {
    return current;
  }
  j["runtimes"].erase("vigil");
  if (j["runtimes"].empty()) j.erase("runtimes");
  if (j.empty()) return std::nullopt;
  return j.dump(2) + "\n";
}

int containerd_config_version(const std::string& text) {
  static const RE2 re(R"(^\s*version\s*=\s*(\d+))");
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] == '[') break;  // top-level keys come before any table
    int version = 0;
    if (RE2::PartialMatch(line, re, &version)) return version;
  }
  return 0;
}

std::optional<std::string> containerd_with(const std::optional<std::string>& current,
                                           int default_version, const Paths& p,
                                           std::string& error) {
  const std::string text = current.value_or("");
  if (text.find(kBegin) != std::string::npos) return current;
  if (text.find("runtimes.vigil]") != std::string::npos ||
      text.find("runtimes.'vigil']") != std::string::npos ||
      text.find("runtimes.\"vigil\"]") != std::string::npos) {
    error = "it already defines a runtime named vigil (not vigil install's); leaving it";
    return std::nullopt;
  }
  const int declared = containerd_config_version(text);
  const int version = declared ? declared : default_version;
  if (version < 2) {
    error = "config version " + std::to_string(version) +
            " is not supported by vigil install (containerd 1.x reads version 2, 2.x version 3)";
    return std::nullopt;
  }
  const std::string table = version >= 3
                                ? "plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.vigil"
                                : "plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.vigil";
  std::string out = text;
  if (!declared) out = "version = " + std::to_string(version) + "\n" + out;
  if (!out.empty() && out.back() != '\n') out += "\n";
  out += std::string("\n") + kBegin + "\n[" + table +
         "]\n  runtime_type = \"io.containerd.runc.v2\"\n" + "  [" + table +
         ".options]\n    BinaryName = \"" + p.runc + "\"\n" + kEnd + "\n";
  return out;
}

std::string containerd_dropin_dir(const std::string& text) {
  static const RE2 re(R"re((?m)^\s*imports\s*=\s*\[\s*["']([^"']+)/\*\.toml["'])re");
  std::string dir;
  return RE2::PartialMatch(text, re, &dir) ? dir : std::string();
}

std::optional<std::string> containerd_without(const std::string& current) {
  const size_t b = current.find(kBegin);
  if (b == std::string::npos) return current;
  size_t e = current.find(kEnd, b);
  e = e == std::string::npos ? current.size() : e + std::string(kEnd).size();
  if (e < current.size() && current[e] == '\n') ++e;
  size_t start = b;
  if (start > 0 && current[start - 1] == '\n' && start > 1 && current[start - 2] == '\n') --start;
  return current.substr(0, start) + current.substr(e);
}

std::vector<std::string> hooks_dirs(const std::vector<std::string>& texts) {
  std::vector<std::string> dirs = {"/usr/share/containers/oci/hooks.d"};  // Podman's default
  static const RE2 key(R"(^\s*hooks_dir\s*=\s*\[)");
  static const RE2 item(R"re("([^"]*)"|'([^']*)')re");
  for (const auto& text : texts) {
    std::istringstream in(text);
    std::string line, table;
    while (std::getline(in, line)) {
      const auto first = line.find_first_not_of(" \t");
      if (first == std::string::npos || line[first] == '#') continue;
      if (line[first] == '[') {
        table = line.substr(first);
        continue;
      }
      if (table.rfind("[engine]", 0) != 0 || !RE2::PartialMatch(line, key)) continue;
      // The array, possibly over several lines, up to its ']'.
      std::string array = line.substr(line.find('[') + 1);
      while (array.find(']') == std::string::npos && std::getline(in, line)) {
        const auto hash = line.find('#');
        array += " " + (hash == std::string::npos ? line : line.substr(0, hash));
      }
      array = array.substr(0, array.find(']'));
      std::vector<std::string> found;
      re2::StringPiece rest(array);
      std::string dq, sq;
      while (RE2::FindAndConsume(&rest, item, &dq, &sq)) found.push_back(dq.empty() ? sq : dq);
      if (!found.empty()) dirs = found;
    }
  }
  return dirs;
}

std::string hook_json(const std::string& stage, const Paths& p) {
  nlohmann::ordered_json j = {
      {"version", "1.0.0"},
      {"hook", {{"path", p.runc}, {"args", {"vigil-runc", "hook", stage, "-c", p.config}}}},
      {"when", {{"always", true}}},
      {"stages", {stage}}};
  return j.dump(2) + "\n";
}

std::string crio_dropin(const Paths& p) {
  return std::string(kBegin) + "\n[crio.runtime.runtimes.vigil]\nruntime_path = \"" + p.runc +
         "\"\nruntime_type = \"oci\"\n" + kEnd + "\n";
}

std::string installed_config(const Paths& p) {
  std::istringstream in(kDefaultConfig);
  std::string line, out;
  while (std::getline(in, line)) {
    if (line.rfind("rules_files:", 0) == 0) {
      line = "rules_files: [" + p.rules_dir + "]   # files or folders (*.yaml), loaded in order";
    }
    out += line + "\n";
  }
  return out;
}

std::string systemd_unit(const Paths& p) {
  std::string unit = kSystemdUnit;
  for (size_t at; (at = unit.find("@BIN@")) != std::string::npos;) unit.replace(at, 5, p.bin);
  return unit;
}

const std::string& default_rules() {
  static const std::string r = kDefaultRules;
  return r;
}

}  // namespace vigil::install

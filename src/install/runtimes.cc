#include "src/install/runtimes.h"

#include <toml++/toml.h>
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

namespace {

// containerd's config and containers.conf are TOML: read with toml++. They are edited as
// text all the same (vigil's block appended, or cut out again), because a TOML library
// writes a table back without its comments and in its own layout; every byte outside
// vigil's block stays the user's. toml++ checks the file before and the result after.
struct Parsed {
  toml::table table;
  std::string error;  // "line L, column C: why" when the text is not TOML
};

Parsed parse_toml(const std::string& text) {
  Parsed p;
  try {
    p.table = toml::parse(text);
  } catch (const toml::parse_error& e) {
    p.error = "line " + std::to_string(e.source().begin.line) + ", column " +
              std::to_string(e.source().begin.column) + ": " + std::string(e.description());
  }
  return p;
}

// The CRI plugin's table of a config version (2: containerd 1.x, 3: 2.x), as keys.
std::vector<std::string> cri_plugin_keys(int version) {
  if (version >= 3) return {"plugins", "io.containerd.cri.v1.runtime", "containerd", "runtimes"};
  return {"plugins", "io.containerd.grpc.v1.cri", "containerd", "runtimes"};
}

toml::node_view<const toml::node> at_keys(const toml::table& t,
                                          const std::vector<std::string>& keys) {
  toml::node_view<const toml::node> v{t};
  for (const auto& k : keys) v = v[k];
  return v;
}

}  // namespace

int containerd_config_version(const std::string& text) {
  const Parsed p = parse_toml(text);
  if (!p.error.empty()) return 0;
  return int(p.table["version"].value_or<int64_t>(0));
}

std::optional<std::string> containerd_with(const std::optional<std::string>& current,
                                           int default_version, const Paths& p,
                                           std::string& error) {
  const std::string text = current.value_or("");
  if (text.find(kBegin) != std::string::npos) return current;
  const Parsed before = parse_toml(text);
  if (!before.error.empty()) {
    error = "it is not valid TOML (" + before.error + "); fix it first (vigil leaves it as it is)";
    return std::nullopt;
  }
  for (int v : {2, 3}) {
    auto keys = cri_plugin_keys(v);
    keys.push_back("vigil");
    if (at_keys(before.table, keys)) {
      error = "it already defines a runtime named vigil (not vigil install's); leaving it";
      return std::nullopt;
    }
  }
  const int declared = int(before.table["version"].value_or<int64_t>(0));
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
  // What containerd will read: a file that defines the CRI plugin's tables in a form a
  // table cannot extend (an inline table, say) would not load at all. Then nothing is
  // written, and the user is told.
  const Parsed after = parse_toml(out);
  auto keys = cri_plugin_keys(version);
  keys.insert(keys.end(), {"vigil", "options", "BinaryName"});
  if (!after.error.empty() || at_keys(after.table, keys).value_or(std::string()) != p.runc) {
    error =
        "vigil's runtime table cannot be added to it as TOML (" +
        (after.error.empty() ? std::string("the runtimes table is defined inline") : after.error) +
        "); add the runtime \"vigil\" with BinaryName = \"" + p.runc + "\" by hand";
    return std::nullopt;
  }
  return out;
}

std::string containerd_dropin_dir(const std::string& text) {
  const Parsed p = parse_toml(text);
  const toml::array* imports = p.table["imports"].as_array();
  if (!imports || imports->empty()) return {};
  const std::string first = (*imports)[0].value_or(std::string());
  const std::string glob = "/*.toml";
  if (first.size() <= glob.size() || first.compare(first.size() - glob.size(), glob.size(), glob))
    return {};
  return first.substr(0, first.size() - glob.size());
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
  for (const auto& text : texts) {
    // A file that is not TOML is one Podman refuses too: it sets nothing here.
    const Parsed p = parse_toml(text);
    const toml::array* hooks = p.table["engine"]["hooks_dir"].as_array();
    if (!hooks) continue;
    std::vector<std::string> found;
    for (const auto& d : *hooks) {
      if (auto s = d.value<std::string>()) found.push_back(*s);
    }
    if (!found.empty()) dirs = found;
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

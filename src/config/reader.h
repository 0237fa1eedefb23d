// Typed, positioned access to the config file's YAML: each accessor checks the node's type
// and reports a mistake with file:line:col into the diagnostics (nullopt then), so the
// parsers of each section (config.cc, config_outputs.cc) read as lists of keys.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "src/rules/diagnostics.h"

namespace vigil::config {

class Reader {
 public:
  Reader(std::string path, rules::Diagnostics& diags)
      : path_(std::move(path)), diags_(diags), base_(std::filesystem::path(path_).parent_path()) {}

  rules::Position pos(const YAML::Node& n) const;
  void error(const YAML::Node& n, const std::string& msg) { diags_.error(pos(n), msg); }
  void warning(const YAML::Node& n, const std::string& msg) { diags_.warning(pos(n), msg); }

  std::optional<std::string> str(const YAML::Node& n, const std::string& key);
  std::optional<bool> boolean(const YAML::Node& n, const std::string& key);
  // An integer in [min, max]; `what` says what it is ("a number of ms").
  std::optional<int64_t> integer(const YAML::Node& n, const std::string& key, int64_t min,
                                 int64_t max, const std::string& what);
  // A path; a relative one is resolved against the config file's folder.
  std::optional<std::string> path(const YAML::Node& n, const std::string& key);
  // A mapping section: `on_key(key, value)` for each entry; an entry it does not know
  // (returns false) is warned about as "unknown key 'section.key'". False if not a mapping.
  bool section(const YAML::Node& n, const std::string& name,
               const std::function<bool(const std::string&, const YAML::Node&)>& on_key);

 private:
  std::string path_;
  rules::Diagnostics& diags_;
  std::filesystem::path base_;
};

struct Config;
// The keys of the outputs, Falco's output options and the webserver (config_outputs.cc);
// false if `key` is none of them.
bool parse_output_key(Reader& r, const std::string& key, const YAML::Node& v, Config& c);

}  // namespace vigil::config

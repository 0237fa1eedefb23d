// Config file parsing: every key checked for type, unknown keys warned about.
#include "src/config/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

namespace vigil::config {
namespace {

rules::Position pos_of(const std::string& file, const YAML::Node& n) {
  const auto m = n.Mark();
  if (m.is_null() || m.line < 0) return {file, 0, 0};
  return {file, uint32_t(m.line + 1), uint32_t(m.column + 1)};
}

}  // namespace

std::optional<Config> load_config(const std::string& path, rules::Diagnostics& diags) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    diags.error({path, 0, 0}, "cannot open config file");
    return std::nullopt;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  YAML::Node root;
  try {
    root = YAML::Load(ss.str());
  } catch (const YAML::Exception& e) {
    diags.error({path, uint32_t(e.mark.line + 1), uint32_t(e.mark.column + 1)}, "YAML: " + e.msg);
    return std::nullopt;
  }
  Config c;
  c.path = path;
  if (root.IsNull()) return c;
  if (!root.IsMap()) {
    diags.error(pos_of(path, root), "config must be a mapping of keys");
    return std::nullopt;
  }
  const size_t errors_before = diags.error_count();
  const auto base = std::filesystem::path(path).parent_path();
  auto str = [&](const YAML::Node& n, const std::string& key) -> std::optional<std::string> {
    if (!n.IsScalar()) {
      diags.error(pos_of(path, n), "'" + key + "' must be a string");
      return std::nullopt;
    }
    return n.Scalar();
  };
  auto boolean = [&](const YAML::Node& n, const std::string& key) -> std::optional<bool> {
    bool b = false;
    if (!n.IsScalar() || !YAML::convert<bool>::decode(n, b)) {
      diags.error(pos_of(path, n), "'" + key + "' must be true or false");
      return std::nullopt;
    }
    return b;
  };
  auto enabled = [&](const YAML::Node& n, const std::string& key) -> std::optional<bool> {
    if (!n.IsMap()) {
      diags.error(pos_of(path, n), "'" + key + "' must be a mapping with 'enabled'");
      return std::nullopt;
    }
    if (!n["enabled"].IsDefined()) return true;
    return boolean(n["enabled"], key + ".enabled");
  };
  for (auto it = root.begin(); it != root.end(); ++it) {
    const std::string key = it->first.Scalar();
    const YAML::Node v = it->second;
    if (key == "rules_files" || key == "rules_file") {
      c.rules_files.clear();
      if (v.IsScalar()) {
        c.rules_files.push_back(v.Scalar());
      } else if (v.IsSequence()) {
        for (const auto& f : v) {
          if (auto s = str(f, key)) c.rules_files.push_back(*s);
        }
      } else {
        diags.error(pos_of(path, v), "'rules_files' must be a list of files or folders");
      }
      for (auto& f : c.rules_files) {
        if (!f.empty() && f[0] != '/') f = (base / f).lexically_normal().string();
      }
    } else if (key == "mode") {
      auto s = str(v, key);
      if (s && *s == "enforce")
        c.mode = Mode::kEnforce;
      else if (s && *s == "monitor")
        c.mode = Mode::kMonitor;
      else if (s)
        diags.error(pos_of(path, v), "'mode' must be enforce or monitor");
    } else if (key == "rule_matching") {
      auto s = str(v, key);
      if (s && *s == "first")
        c.rule_matching = RuleMatching::kFirst;
      else if (s && *s == "all")
        c.rule_matching = RuleMatching::kAll;
      else if (s)
        diags.error(pos_of(path, v), "'rule_matching' must be first or all");
    } else if (key == "log_level") {
      static const char* const kLevels[] = {"emergency", "alert",  "critical", "error",
                                            "warning",   "notice", "info",     "debug"};
      auto s = str(v, key);
      if (s && std::find(std::begin(kLevels), std::end(kLevels), *s) != std::end(kLevels)) {
        c.log_level = *s;
      } else if (s) {
        diags.error(pos_of(path, v),
                    "'log_level' must be one of emergency, alert, critical, error, warning, "
                    "notice, info, debug");
      }
    } else if (key == "record") {
      if (!v.IsMap()) {
        diags.error(pos_of(path, v),
                    "'record' must be a mapping with 'enabled', 'path', 'max_size'");
        continue;
      }
      for (auto r = v.begin(); r != v.end(); ++r) {
        const std::string k = r->first.Scalar();
        const YAML::Node rv = r->second;  // a copy: the iterator yields a temporary
        if (k == "enabled") {
          if (auto b = boolean(rv, "record.enabled")) c.record_enabled = *b;
        } else if (k == "path") {
          if (auto s = str(rv, "record.path")) {
            c.record_path =
                s->empty() || (*s)[0] == '/' ? *s : (base / *s).lexically_normal().string();
          }
        } else if (k == "max_size") {
          int64_t n = 0;
          if (!rv.IsScalar() || !YAML::convert<int64_t>::decode(rv, n) || n < 65536) {
            diags.error(pos_of(path, rv),
                        "'record.max_size' must be a number of bytes, at least 65536");
          } else {
            c.record_max_size = n;
          }
        } else {
          diags.warning(pos_of(path, r->first),
                        "unknown key 'record." + k + "'; the key is ignored");
        }
      }
    } else if (key == "log_stderr") {
      if (auto b = boolean(v, key)) c.log_stderr = *b;
    } else if (key == "log_syslog") {
      if (auto b = boolean(v, key)) c.log_syslog = *b;
    } else if (key == "json_output") {
      if (auto b = boolean(v, key)) c.json_output = *b;
    } else if (key == "stdout_output") {
      if (auto b = enabled(v, key)) c.stdout_output = *b;
    } else if (key == "syslog_output") {
      if (auto b = enabled(v, key)) c.syslog_output = *b;
    } else if (key == "file_output") {
      if (auto b = enabled(v, key)) c.file_output = *b;
      if (v.IsMap() && v["filename"].IsDefined()) {
        if (auto s = str(v["filename"], "file_output.filename")) c.file_output_path = *s;
      }
    } else if (key == "listener_socket") {
      if (auto s = str(v, key)) c.listener_socket = *s;
    } else if (key == "control_socket") {
      if (auto s = str(v, key)) c.control_socket = *s;
    } else if (key == "on_daemon_unavailable") {
      auto s = str(v, key);
      if (s && *s == "allow")
        c.on_daemon_unavailable = Unavailable::kAllow;
      else if (s && *s == "deny")
        c.on_daemon_unavailable = Unavailable::kDeny;
      else if (s)
        diags.error(pos_of(path, v), "'on_daemon_unavailable' must be allow or deny");
    } else if (key == "permission_deadline_ms") {
      int ms = 0;
      if (!v.IsScalar() || !YAML::convert<int>::decode(v, ms) || ms < 1 || ms > 60000) {
        diags.error(pos_of(path, v), "'permission_deadline_ms' must be a number of ms, 1..60000");
      } else {
        c.permission_deadline_ms = ms;
      }
    } else if (key == "successor_wait_s") {
      int s = 0;
      if (!v.IsScalar() || !YAML::convert<int>::decode(v, s) || s < 0 || s > 3600) {
        diags.error(pos_of(path, v), "'successor_wait_s' must be a number of seconds, 0..3600");
      } else {
        c.successor_wait_s = s;
      }
    } else if (key == "permission_fallback") {
      auto s = str(v, key);
      if (s && *s == "allow")
        c.permission_fallback_allow = true;
      else if (s && *s == "deny")
        c.permission_fallback_allow = false;
      else if (s)
        diags.error(pos_of(path, v), "'permission_fallback' must be allow or deny");
    } else if (key == "readonly_paths") {
      c.readonly_paths.clear();
      if (!v.IsSequence()) {
        diags.error(pos_of(path, v), "'readonly_paths' must be a list of absolute paths");
      } else {
        for (const auto& f : v) {
          auto s = str(f, key);
          if (s && (s->empty() || (*s)[0] != '/')) {
            diags.error(pos_of(path, f), "'readonly_paths' entries must be absolute paths");
          } else if (s) {
            c.readonly_paths.push_back(*s);
          }
        }
      }
    } else if (key == "decision_cache") {
      auto s = str(v, key);
      if (s && *s == "directory")
        c.decision_cache = DecisionCache::kDirectory;
      else if (s && *s == "file")
        c.decision_cache = DecisionCache::kFile;
      else if (s && *s == "off")
        c.decision_cache = DecisionCache::kOff;
      else if (s)
        diags.error(pos_of(path, v), "'decision_cache' must be directory, file or off");
    } else {
      diags.warning(pos_of(path, it->first), "unknown key '" + key + "'; the key is ignored");
    }
  }
  if (diags.error_count() > errors_before) return std::nullopt;
  return c;
}

}  // namespace vigil::config

// Config file parsing: every key checked for type, unknown keys warned about.
#include "src/config/config.h"

#include "src/config/reader.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <sstream>

namespace vigil::config {

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
  Reader r(path, diags);
  if (!root.IsMap()) {
    r.error(root, "config must be a mapping of keys");
    return std::nullopt;
  }
  const size_t errors_before = diags.error_count();
  for (auto it = root.begin(); it != root.end(); ++it) {
    const std::string key = it->first.Scalar();
    const YAML::Node v = it->second;
    if (key == "rules_files" || key == "rules_file") {
      c.rules_files.clear();
      if (v.IsScalar()) {
        if (auto f = r.path(v, key)) c.rules_files.push_back(*f);
      } else if (v.IsSequence()) {
        for (const auto& f : v) {
          if (auto p = r.path(f, key)) c.rules_files.push_back(*p);
        }
      } else {
        r.error(v, "'rules_files' must be a list of files or folders");
      }
    } else if (key == "mode") {
      auto s = r.str(v, key);
      if (s && *s == "enforce")
        c.mode = Mode::kEnforce;
      else if (s && *s == "monitor")
        c.mode = Mode::kMonitor;
      else if (s)
        r.error(v, "'mode' must be enforce or monitor");
    } else if (key == "rule_matching") {
      auto s = r.str(v, key);
      if (s && *s == "first")
        c.rule_matching = RuleMatching::kFirst;
      else if (s && *s == "all")
        c.rule_matching = RuleMatching::kAll;
      else if (s)
        r.error(v, "'rule_matching' must be first or all");
    } else if (key == "log_level") {
      static const char* const kLevels[] = {"emergency", "alert",  "critical", "error",
                                            "warning",   "notice", "info",     "debug"};
      auto s = r.str(v, key);
      if (s && std::find(std::begin(kLevels), std::end(kLevels), *s) != std::end(kLevels)) {
        c.log_level = *s;
      } else if (s) {
        r.error(v,
                "'log_level' must be one of emergency, alert, critical, error, warning, "
                "notice, info, debug");
      }
    } else if (key == "record") {
      r.section(v, key, [&](const std::string& k, const YAML::Node& rv) {
        if (k == "enabled") {
          if (auto b = r.boolean(rv, "record.enabled")) c.record_enabled = *b;
        } else if (k == "path") {
          if (auto s = r.path(rv, "record.path")) c.record_path = *s;
        } else if (k == "max_size") {
          if (auto n =
                  r.integer(rv, "record.max_size", 65536, int64_t(1) << 40, "a number of bytes")) {
            c.record_max_size = *n;
          }
        } else {
          return false;
        }
        return true;
      });
    } else if (key == "watch_config_files") {
      if (auto b = r.boolean(v, key)) c.watch_config_files = *b;
    } else if (key == "log_stderr") {
      if (auto b = r.boolean(v, key)) c.log_stderr = *b;
    } else if (key == "log_syslog") {
      if (auto b = r.boolean(v, key)) c.log_syslog = *b;
    } else if (key == "listener_socket") {
      if (auto s = r.str(v, key)) c.listener_socket = *s;
    } else if (key == "control_socket") {
      if (auto s = r.str(v, key)) c.control_socket = *s;
    } else if (key == "on_daemon_unavailable") {
      auto s = r.str(v, key);
      if (s && *s == "allow")
        c.on_daemon_unavailable = Unavailable::kAllow;
      else if (s && *s == "deny")
        c.on_daemon_unavailable = Unavailable::kDeny;
      else if (s)
        r.error(v, "'on_daemon_unavailable' must be allow or deny");
    } else if (key == "permission_deadline_ms") {
      if (auto ms = r.integer(v, key, 1, 60000, "a number of ms"))
        c.permission_deadline_ms = int(*ms);
    } else if (key == "successor_wait_s") {
      if (auto s = r.integer(v, key, 0, 3600, "a number of seconds")) c.successor_wait_s = int(*s);
    } else if (key == "permission_fallback") {
      auto s = r.str(v, key);
      if (s && *s == "allow")
        c.permission_fallback_allow = true;
      else if (s && *s == "deny")
        c.permission_fallback_allow = false;
      else if (s)
        r.error(v, "'permission_fallback' must be allow or deny");
    } else if (key == "readonly_paths" || key == "sealed_files") {
      auto& into = key == "readonly_paths" ? c.readonly_paths : c.sealed_files;
      into.clear();
      if (!v.IsSequence()) {
        r.error(v, "'" + key + "' must be a list of absolute paths");
      } else {
        for (const auto& f : v) {
          auto s = r.str(f, key);
          if (s && (s->size() < 2 || (*s)[0] != '/' || s->back() == '/' ||
                    (*s + "/").find("/../") != std::string::npos)) {
            r.error(f, "'" + key + "' entries must be absolute paths of files");
          } else if (s) {
            into.push_back(*s);
          }
        }
      }
    } else if (key == "decision_cache") {
      auto s = r.str(v, key);
      if (s && *s == "directory")
        c.decision_cache = DecisionCache::kDirectory;
      else if (s && *s == "file")
        c.decision_cache = DecisionCache::kFile;
      else if (s && *s == "off")
        c.decision_cache = DecisionCache::kOff;
      else if (s)
        r.error(v, "'decision_cache' must be directory, file or off");
    } else if (!parse_output_key(r, key, v, c)) {
      r.warning(it->first, "unknown key '" + key + "'; the key is ignored");
    }
  }
  if (diags.error_count() > errors_before) return std::nullopt;
  return c;
}

}  // namespace vigil::config

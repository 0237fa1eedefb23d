// Builds the validate/list reports from a LoadResult.
#include "src/rules/report.h"

#include <map>
#include <sstream>

#include "src/fields/channels.h"

namespace vigil::rules {
namespace {

// The report names the kernel's events, as an administrator would look them up.
std::vector<std::string> fanotify_names(ChannelMask channels) {
  std::vector<std::string> out;
  for (auto n : fields::mask_names(fields::mask_of(channels))) out.emplace_back(n);
  return out;
}

std::string joined(const std::vector<std::string>& v) {
  if (v.empty()) return "-";
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

}  // namespace

nlohmann::json rule_json(const CompiledRule& r) {
  nlohmann::json j;
  j["name"] = r.facts.name;
  j["status"] = std::string(rule_status_name(r.status));
  j["reason"] = r.reason.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.reason);
  j["by_config"] = r.by_config;
  j["line"] = r.pos.line;
  j["col"] = r.pos.col;
  j["priority"] = std::string(priority_name(r.facts.priority));
  j["action"] = std::string(action_name(r.facts.action));
  j["syscalls"] = r.syscalls;
  j["fanotify"] = fanotify_names(r.file_channels);
  std::vector<std::string> types;
  if (r.status == RuleStatus::kCompiled || r.status == RuleStatus::kDisabled) {
    for (const auto& [type, channel] : r.bindings) {
      types.push_back(std::string(fields::event_type(type).name) + "@" +
                      std::string(channel_name(channel)));
    }
  }
  j["event_types"] = types;
  j["unrestricted"] = r.unrestricted;
  j["sound"] = r.sound ? nlohmann::json(*r.sound) : nlohmann::json(nullptr);
  if (!r.racy_fields.empty()) j["racy"] = r.racy_fields;
  j["tags"] = r.facts.tags;
  return j;
}

nlohmann::json report_json(const LoadResult& r) {
  nlohmann::json files = nlohmann::json::array();
  std::map<std::string, size_t> at;
  for (const auto& f : r.collection.files) {
    if (at.count(f)) continue;
    at[f] = files.size();
    nlohmann::json j;
    j["path"] = f;
    auto items = r.collection.items_per_file.find(f);
    j["items"] = items == r.collection.items_per_file.end() ? 0 : items->second;
    j["errors"] = nlohmann::json::array();
    j["warnings"] = nlohmann::json::array();
    j["rules"] = nlohmann::json::array();
    files.push_back(j);
  }
  auto file_of = [&](const std::string& path) -> nlohmann::json& {
    auto it = at.find(path);
    if (it == at.end()) {
      at[path] = files.size();
      files.push_back({{"path", path},
                       {"items", 0},
                       {"errors", nlohmann::json::array()},
                       {"warnings", nlohmann::json::array()},
                       {"rules", nlohmann::json::array()}});
      return files.back();
    }
    return files[it->second];
  };
  for (const auto& d : r.diagnostics.sorted()) {
    nlohmann::json j = {{"line", d.pos.line}, {"col", d.pos.col}, {"message", d.message}};
    file_of(d.pos.file)[d.severity == Severity::kError ? "errors" : "warnings"].push_back(j);
  }
  if (r.rules) {
    for (const auto& rule : r.rules->rules())
      file_of(rule.file)["rules"].push_back(rule_json(rule));
  }
  nlohmann::json out;
  out["files"] = files;
  size_t errors = r.diagnostics.error_count();
  out["error_count"] = errors;
  if (r.rules) {
    const auto sys_set = r.rules->syscalls();
    std::vector<std::string> sys(sys_set.begin(), sys_set.end());
    out["syscalls"] = sys;
    out["fanotify"] = fanotify_names(r.rules->file_channels());
  }
  return out;
}

std::string report_text(const LoadResult& r, bool list_only) {
  std::ostringstream out;
  std::map<std::string, std::vector<const CompiledRule*>> by_file;
  if (r.rules) {
    for (const auto& rule : r.rules->rules()) by_file[rule.file].push_back(&rule);
  }
  for (const auto& f : r.collection.files) {
    auto& rules = by_file[f];
    size_t counts[4] = {0, 0, 0, 0};
    for (const auto* rule : rules) ++counts[size_t(rule->status)];
    auto items = r.collection.items_per_file.find(f);
    out << f << ": " << (items == r.collection.items_per_file.end() ? 0 : items->second)
        << " items, " << rules.size() << " rules: " << counts[0] << " compiled, " << counts[1]
        << " unsupported, " << counts[2] << " disabled, " << counts[3] << " with errors\n";
    for (const auto* rule : rules) {
      // A rule the config leaves out is listed too: never silently unenforced.
      if (list_only && rule->status != RuleStatus::kCompiled && !rule->by_config) continue;
      const std::string_view status = rule->by_config ? "left out" : rule_status_name(rule->status);
      out << "  " << status;
      for (size_t i = status.size(); i < 12; ++i) out << ' ';
      out << rule->facts.name << "  [" << action_name(rule->facts.action);
      if (rule->sound) out << (*rule->sound ? ", sound" : ", racy");
      out << ", " << priority_name(rule->facts.priority) << "]";
      if (rule->status == RuleStatus::kCompiled || rule->status == RuleStatus::kDisabled) {
        out << "  syscalls: " << joined(rule->syscalls)
            << "  fanotify: " << joined(fanotify_names(rule->file_channels));
        if (rule->unrestricted) out << "  (no evt.type restriction)";
      }
      if (!rule->reason.empty() && rule->status != RuleStatus::kCompiled) {
        out << "  -- " << rule->reason;
      }
      if (rule->by_config && rule->facts.action != Action::kAlert) {
        out << "  -- NOT ENFORCED: this " << action_name(rule->facts.action)
            << " rule is left out by the config";
      }
      if (!rule->racy_fields.empty()) out << "  -- racy: " << joined(rule->racy_fields);
      out << "\n";
    }
  }
  size_t warnings = 0;
  for (const auto& d : r.diagnostics.sorted()) {
    if (d.severity == Severity::kWarning) {
      if (!list_only) out << format_diagnostic(d) << "\n";
      ++warnings;
    }
  }
  for (const auto& d : r.diagnostics.sorted()) {
    if (d.severity == Severity::kError) out << format_diagnostic(d) << "\n";
  }
  if (r.rules) {
    const auto sys_set = r.rules->syscalls();
    std::vector<std::string> sys(sys_set.begin(), sys_set.end());
    const auto wo_set = r.rules->write_only_syscalls();
    std::vector<std::string> wo(wo_set.begin(), wo_set.end());
    out << "interception: syscalls: " << joined(sys);
    if (!wo.empty()) out << " (" << joined(wo) << ": only calls that open for writing)";
    for (const auto& [name, f] : r.rules->flag_filters()) {
      const auto type = fields::find_event_type(name);
      out << " (" << name << ": only calls with "
          << fields::render_arg(fields::event_type(*type).args[f.index].render, f.bits) << ")";
    }
    out << "; fanotify: " << joined(fanotify_names(r.rules->file_channels())) << "\n";
  }
  out << r.diagnostics.error_count() << " error(s), " << warnings << " warning(s)\n";
  return out.str();
}

}  // namespace vigil::rules

#include "src/ruletest/replay.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "src/fields/captured_event.h"
#include "src/fields/event_types.h"
#include "src/fields/registry.h"
#include "src/ruletest/rule_tests.h"
#include "src/verdict/verdict_pipeline.h"
#include "vigil/verdict.h"

namespace vigil::ruletest {
namespace {

std::optional<Channel> channel_of(const std::string& name) {
  for (Channel c :
       {Channel::kSyscall, Channel::kFileOpen, Channel::kFileExec, Channel::kFileModify}) {
    if (channel_name(c) == name) return c;
  }
  return std::nullopt;
}

// One recorded event, re-decided.
struct Replayed {
  std::string container, type, recorded, now;
  bool blocks = false;  // now blocks or kills
  std::vector<std::string> rules;
  std::string what;  // a short description: the event's most telling field
  std::string channel;
  nlohmann::json fields;
};

std::string describe(const nlohmann::json& fields) {
  for (const char* k : {"fd.name", "fs.path.target", "proc.exepath", "proc.cmdline", "proc.name"}) {
    if (fields.contains(k) && fields[k].is_string())
      return std::string(k) + "=" + fields[k].get<std::string>();
  }
  return "";
}

// Sets one recorded value on the event; false if the field is unknown here.
bool set_field(fields::CapturedEvent& e, const std::string& name, const nlohmann::json& v,
               std::string& error) {
  auto f = parse_field(name, error);
  if (!f) return false;
  const FieldRef ref{f->id, f->index, f->key};
  if (v.is_array()) {
    std::vector<std::string> items;
    for (const auto& i : v) items.push_back(i.is_string() ? i.get<std::string>() : i.dump());
    const std::vector<std::string_view> views(items.begin(), items.end());
    e.set(ref, Value::list(views.data(), views.size()));
  } else if (v.is_boolean()) {
    e.set(ref, Value::of_bool(v.get<bool>()));
  } else if (v.is_number_integer()) {
    e.set(ref, Value::of_int(v.get<int64_t>()));
  } else if (v.is_string()) {
    const std::string s = v.get<std::string>();
    e.set(ref, Value::of(s));
  } else {
    error = "field '" + name + "' has a value of no known kind";
    return false;
  }
  return true;
}

}  // namespace

size_t replay(const rules::CompiledRuleSet& rules, const std::string& events_path,
              const ReplayOptions& o, std::ostream& out, rules::Diagnostics& diags) {
  std::ifstream in(events_path);
  if (!in) {
    diags.error({events_path, 0, 0}, "cannot read the recording");
    return 1;
  }
  const verdict::VerdictPipeline pipeline(config::Mode::kEnforce, "rules-replay");
  const FieldId evt_type = fields::find_field("evt.type")->id;
  std::vector<Replayed> events;
  size_t bad = 0;
  uint32_t line_no = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    if (line.empty()) continue;
    const rules::Position at{events_path, line_no, 1};
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("type") || !j["type"].is_string()) {
      diags.error(at, "not a recorded event (one JSON object with a \"type\" per line)");
      ++bad;
      continue;
    }
    const auto type = fields::find_event_type(j["type"].get<std::string>());
    const auto channel = channel_of(j.value("channel", std::string()));
    if (!type || !channel) {
      diags.error(at, "unknown event type or channel");
      ++bad;
      continue;
    }
    fields::CapturedEvent event(*type, *channel);
    const std::string type_name = j["type"].get<std::string>();
    event.set(FieldRef{evt_type, -1, {}}, Value::of(type_name));
    const auto fields = j.value("fields", nlohmann::json::object());
    for (const auto& [name, v] : fields.items()) {
      std::string error;
      if (!set_field(event, name, v, error)) diags.warning(at, error + " (left out)");
    }
    fields::ContainerInfo container;
    container.id = container.full_id = j.value("container", std::string());
    const verdict::Verdict v = pipeline.decide(rules, event, container);
    Replayed r;
    r.container = container.id;
    r.type = j["type"].get<std::string>();
    r.recorded = j.value("decided", std::string("none"));
    r.now = v.matched() ? std::string(action_name(v.action)) : "none";
    r.blocks = v.matched() && v.action != Action::kAlert;
    for (const auto& a : v.alerts) r.rules.push_back(a.rule);
    r.what = describe(fields);
    r.channel = j.value("channel", std::string());
    r.fields = fields;
    r.fields["evt.type"] = r.type;
    events.push_back(std::move(r));
  }

  // Per rule and per container.
  std::map<std::string, std::pair<size_t, size_t>> per_rule;   // fired, blocked
  std::map<std::string, std::array<size_t, 3>> per_container;  // events, alerted, blocked
  std::vector<const Replayed*> changed;
  for (const auto& r : events) {
    auto& c = per_container[r.container];
    ++c[0];
    if (!r.rules.empty()) ++c[1];
    if (r.blocks) ++c[2];
    for (const auto& rule : r.rules) {
      ++per_rule[rule].first;
      if (r.blocks) ++per_rule[rule].second;
    }
    if (r.now != r.recorded) changed.push_back(&r);
  }
  if (o.json) {
    nlohmann::json j = {{"events", events.size()}, {"unreadable", bad}};
    for (const auto& [rule, n] : per_rule) {
      j["rules"].push_back({{"rule", rule}, {"fired", n.first}, {"blocked", n.second}});
    }
    for (const auto& [c, n] : per_container) {
      j["containers"].push_back(
          {{"container", c}, {"events", n[0]}, {"alerted", n[1]}, {"blocked", n[2]}});
    }
    j["blocked"] = nlohmann::json::array();
    for (const auto& r : events) {
      if (r.blocks) {
        j["blocked"].push_back(
            {{"container", r.container}, {"type", r.type}, {"event", r.what}, {"rules", r.rules}});
      }
    }
    j["changed"] = nlohmann::json::array();
    for (const auto* r : changed) {
      j["changed"].push_back({{"container", r->container},
                              {"type", r->type},
                              {"event", r->what},
                              {"recorded", r->recorded},
                              {"now", r->now},
                              {"rules", r->rules}});
    }
    out << j.dump(2) << "\n";
  } else {
    out << "replayed " << events.size() << " events of " << per_container.size() << " containers ("
        << bad << " unreadable)\n";
    out << "\nper rule (enforce mode):\n";
    if (per_rule.empty()) out << "  no rule fired\n";
    for (const auto& [rule, n] : per_rule) {
      out << "  " << rule << ": fired on " << n.first << " events, blocks " << n.second << "\n";
    }
    out << "\nper container:\n";
    for (const auto& [c, n] : per_container) {
      out << "  " << (c.empty() ? "?" : c) << ": " << n[0] << " events, " << n[1] << " alerted, "
          << n[2] << " blocked\n";
    }
    out << "\n" << changed.size() << " events decided differently than the daemon did";
    out << (changed.empty() ? "\n" : ":\n");
    for (size_t i = 0; i < changed.size() && i < 50; ++i) {
      const auto* r = changed[i];
      out << "  " << r->container << " " << r->type << " " << r->what << ": was " << r->recorded
          << ", now " << r->now;
      if (!r->rules.empty()) {
        out << " (";
        for (size_t k = 0; k < r->rules.size(); ++k) out << (k ? ", " : "") << r->rules[k];
        out << ")";
      }
      out << "\n";
    }
    if (changed.size() > 50) out << "  ... and " << changed.size() - 50 << " more\n";
  }
  if (!o.cases_out.empty()) {
    YAML::Emitter y;
    y << YAML::BeginSeq;
    size_t n = 0;
    for (const auto& r : events) {
      y << YAML::BeginMap << YAML::Key << "case" << YAML::Value
        << "recorded " + r.type + " #" + std::to_string(++n) + (r.what.empty() ? "" : " " + r.what);
      y << YAML::Key << "channel" << YAML::Value << r.channel;
      y << YAML::Key << "event" << YAML::Value << YAML::Flow << YAML::BeginMap;
      for (const auto& [name, v] : r.fields.items()) {
        y << YAML::Key << name << YAML::Value;
        if (v.is_array()) {
          y << YAML::Flow << YAML::BeginSeq;
          for (const auto& i : v) y << (i.is_string() ? i.get<std::string>() : i.dump());
          y << YAML::EndSeq;
        } else if (v.is_string()) {
          y << YAML::DoubleQuoted << v.get<std::string>();
        } else {
          y << v.dump();
        }
      }
      y << YAML::EndMap;
      y << YAML::Key << "expect" << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::Key
        << "rules" << YAML::Value << YAML::Flow << r.rules << YAML::Key << "action" << YAML::Value
        << r.now << YAML::EndMap;
      y << YAML::EndMap;
    }
    y << YAML::EndSeq;
    std::ofstream(o.cases_out) << y.c_str() << "\n";
  }
  return bad;
}

}  // namespace vigil::ruletest

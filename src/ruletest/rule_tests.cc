#include "src/ruletest/rule_tests.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "src/fields/captured_event.h"
#include "src/fields/event_types.h"
#include "src/fields/registry.h"
#include "src/verdict/verdict_pipeline.h"
#include "vigil/verdict.h"

namespace vigil::ruletest {
namespace {

rules::Position pos_of(const std::string& file, const YAML::Node& n) {
  const auto m = n.Mark();
  if (m.is_null() || m.line < 0) return {file, 0, 0};
  return {file, uint32_t(m.line + 1), uint32_t(m.column + 1)};
}

std::optional<int32_t> number(const std::string& s) {
  if (s.empty() || s.size() > 4 || !std::all_of(s.begin(), s.end(), ::isdigit)) {
    return std::nullopt;
  }
  return int32_t(std::stoi(s));
}

// yaml-cpp throws on the type of a key that is absent: ask whether it is there first.
bool is_map(const YAML::Node& n) { return n.IsDefined() && n.IsMap(); }
bool is_scalar(const YAML::Node& n) { return n.IsDefined() && n.IsScalar(); }
bool is_seq(const YAML::Node& n) { return n.IsDefined() && n.IsSequence(); }

const char* const kActions[] = {"none", "alert", "block", "kill"};

}  // namespace

std::optional<FieldSetting> parse_field(const std::string& written, std::string& error) {
  std::string name = written;
  std::optional<std::string> arg;
  if (!name.empty() && name.back() == ']') {
    const auto open = name.find('[');
    if (open == std::string::npos) {
      error = "'" + written + "' is not a field name";
      return std::nullopt;
    }
    arg = name.substr(open + 1, name.size() - open - 2);
    name = name.substr(0, open);
  }
  auto found = fields::find_field(name);
  if (!found) {
    error = fields::is_known_unsupported(name)
                ? "field '" + written + "' is one of Falco's that vigil does not supply"
                : "unknown field '" + written + "'";
    return std::nullopt;
  }
  FieldSetting f;
  f.id = found->id;
  f.key = found->key;
  f.type = found->info->type;
  f.name = written;
  if (arg) {
    if (auto n = number(*arg)) {
      f.index = *n;
    } else if (found->info->arg == FieldArg::kRequiredKeyOrIndex) {
      f.key = *arg;
    } else {
      error = "field '" + name + "' takes a numeric index, not '" + *arg + "'";
      return std::nullopt;
    }
    if (f.type == FieldType::kStringList) f.type = FieldType::kString;
  } else if (found->info->arg == FieldArg::kRequiredIndex ||
             (found->info->arg == FieldArg::kRequiredKeyOrIndex && f.key.empty())) {
    error = "field '" + name + "' needs an argument, as in " + name + "[1]";
    return std::nullopt;
  }
  return f;
}

std::vector<Case> load_cases(const std::string& path, rules::Diagnostics& diags) {
  std::vector<Case> out;
  YAML::Node doc;
  try {
    doc = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    diags.error({path, 0, 0}, "cannot read the cases file");
    return out;
  } catch (const YAML::Exception& e) {
    diags.error({path, uint32_t(e.mark.line + 1), uint32_t(e.mark.column + 1)}, "YAML: " + e.msg);
    return out;
  }
  if (!doc.IsSequence()) {
    diags.error(pos_of(path, doc), "a cases file is a YAML sequence of cases");
    return out;
  }
  for (const auto& item : doc) {
    const size_t errors_before = diags.error_count();
    if (!item.IsMap()) {
      diags.error(pos_of(path, item), "each case must be a mapping");
      continue;
    }
    Case c;
    c.pos = pos_of(path, item);
    for (auto it = item.begin(); it != item.end(); ++it) {
      const std::string k = it->first.IsScalar() ? it->first.Scalar() : "?";
      if (k != "case" && k != "event" && k != "mode" && k != "expect" && k != "channel") {
        diags.warning(pos_of(path, it->first), "unknown key '" + k + "'; the key is ignored");
      }
    }
    if (!is_scalar(item["case"])) {
      diags.error(c.pos, "a case needs a name ('case: ...')");
      continue;
    }
    c.name = item["case"].Scalar();
    const YAML::Node event = item["event"];
    if (!is_map(event)) {
      diags.error(c.pos, "case '" + c.name + "' needs an 'event' mapping of field values");
      continue;
    }
    bool have_type = false;
    for (auto it = event.begin(); it != event.end(); ++it) {
      const rules::Position at = pos_of(path, it->first);
      const std::string written = it->first.IsScalar() ? it->first.Scalar() : "?";
      std::string error;
      auto f = parse_field(written, error);
      if (!f) {
        diags.error(at, error);
        continue;
      }
      f->pos = at;
      const YAML::Node v = it->second;
      if (v.IsSequence()) {
        if (f->type != FieldType::kStringList) {
          diags.error(pos_of(path, v), "field '" + written + "' takes one value, not a list");
          continue;
        }
        f->is_list = true;
        for (const auto& e : v) f->values.push_back(e.IsScalar() ? e.Scalar() : "");
      } else if (v.IsScalar()) {
        f->values.push_back(v.Scalar());
        f->is_list = f->type == FieldType::kStringList;
        if (f->type == FieldType::kInt) {
          int64_t n = 0;
          if (!YAML::convert<int64_t>::decode(v, n)) {
            diags.error(pos_of(path, v), "field '" + written + "' is a number");
            continue;
          }
        } else if (f->type == FieldType::kBool) {
          bool b = false;
          if (!YAML::convert<bool>::decode(v, b)) {
            diags.error(pos_of(path, v), "field '" + written + "' is true or false");
            continue;
          }
        }
      } else {
        diags.error(pos_of(path, v), "field '" + written + "' needs a value");
        continue;
      }
      if (f->id == fields::find_field("evt.type")->id) {
        auto type = fields::find_event_type(f->values.front());
        if (!type) {
          diags.error(pos_of(path, v), "unknown event type '" + f->values.front() + "'");
          continue;
        }
        c.type = *type;
        have_type = true;
      }
      c.fields.push_back(std::move(*f));
    }
    if (!have_type && diags.error_count() == errors_before) {
      diags.error(c.pos, "case '" + c.name + "': the event needs an evt.type");
    }
    if (const YAML::Node m = item["mode"]; m.IsDefined()) {
      if (is_scalar(m) && m.Scalar() == "monitor") {
        c.mode = config::Mode::kMonitor;
      } else if (!is_scalar(m) || m.Scalar() != "enforce") {
        diags.error(pos_of(path, m), "'mode' is enforce or monitor");
      }
    }
    if (const YAML::Node ch = item["channel"]; ch.IsDefined()) {
      for (Channel x :
           {Channel::kSyscall, Channel::kFileOpen, Channel::kFileExec, Channel::kFileModify}) {
        if (is_scalar(ch) && ch.Scalar() == channel_name(x)) c.channel = x;
      }
      if (!c.channel) {
        diags.error(pos_of(path, ch),
                    "'channel' is syscall, fanotify-open, fanotify-exec or fanotify-modify");
      }
    }
    const YAML::Node expect = item["expect"];
    if (!is_map(expect)) {
      diags.error(c.pos, "case '" + c.name + "' needs 'expect' (rules and/or action)");
    } else {
      if (const YAML::Node r = expect["rules"]; r.IsDefined()) {
        if (!is_seq(r)) {
          diags.error(pos_of(path, r), "'expect.rules' is a list of rule names ([] for none)");
        } else {
          c.expect_rules.emplace();
          for (const auto& e : r) c.expect_rules->push_back(e.IsScalar() ? e.Scalar() : "");
        }
      }
      if (const YAML::Node a = expect["action"]; a.IsDefined()) {
        if (!a.IsScalar() ||
            std::find(std::begin(kActions), std::end(kActions), a.Scalar()) == std::end(kActions)) {
          diags.error(pos_of(path, a), "'expect.action' is alert, block, kill or none");
        } else {
          c.expect_action = a.Scalar();
        }
      }
      if (!expect["rules"].IsDefined() && !expect["action"].IsDefined()) {
        diags.error(pos_of(path, expect), "'expect' needs rules, action or both");
      }
    }
    if (diags.error_count() == errors_before) out.push_back(std::move(c));
  }
  return out;
}

std::vector<CaseResult> run_cases(const rules::CompiledRuleSet& rules,
                                  const std::vector<Case>& cases) {
  std::vector<CaseResult> results;
  for (const auto& c : cases) {
    CaseResult r;
    r.c = &c;
    fields::CapturedEvent event(c.type, Channel::kSyscall);
    fields::ContainerInfo container;
    for (const auto& f : c.fields) {
      const FieldRef ref{f.id, f.index, f.key};
      if (f.is_list) {
        const std::vector<std::string_view> items(f.values.begin(), f.values.end());
        event.set(ref, Value::list(items.data(), items.size()));
      } else if (f.type == FieldType::kInt) {
        event.set(ref, Value::of_int(std::stoll(f.values.front(), nullptr, 0)));
      } else if (f.type == FieldType::kBool) {
        bool b = false;
        YAML::convert<bool>::decode(YAML::Node(f.values.front()), b);
        event.set(ref, Value::of_bool(b));
      } else {
        event.set(ref, Value::of(f.values.front()));
      }
      if (f.name == "container.id") container.id = container.full_id = f.values.front();
      if (f.name == "container.name") container.name = f.values.front();
    }
    const verdict::VerdictPipeline pipeline(c.mode, "rules-test");
    std::set<std::string> fired;
    std::optional<Action> strongest;  // none while nothing matched
    const ChannelMask channels = fields::event_type_channels(c.type);
    for (Channel ch :
         {Channel::kSyscall, Channel::kFileOpen, Channel::kFileExec, Channel::kFileModify}) {
      if (!(channels & channel_bit(ch)) || (c.channel && *c.channel != ch)) continue;
      event.set_channel(ch);
      const verdict::Verdict v = pipeline.decide(rules, event, container);
      for (const auto& a : v.alerts) {
        if (fired.insert(a.rule).second) r.outputs.push_back(a.rule + ": " + a.output);
      }
      if (v.matched() && (!strongest || int(v.action) > int(*strongest))) strongest = v.action;
    }
    for (const auto& rule : rules.rules()) {
      if (fired.count(rule.facts.name)) r.fired.push_back(rule.facts.name);
    }
    r.action = strongest ? std::string(action_name(*strongest)) : "none";
    if (c.expect_rules) {
      std::vector<std::string> want = *c.expect_rules, got = r.fired;
      std::sort(want.begin(), want.end());
      std::sort(got.begin(), got.end());
      if (want != got) {
        r.passed = false;
        auto list = [](const std::vector<std::string>& v) {
          std::string s;
          for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
          return "[" + s + "]";
        };
        r.why = "expected rules " + list(*c.expect_rules) + ", fired " + list(r.fired);
      }
    }
    if (c.expect_action && *c.expect_action != r.action) {
      r.passed = false;
      r.why += std::string(r.why.empty() ? "" : "; ") + "expected action " + *c.expect_action +
               ", got " + r.action;
    }
    results.push_back(std::move(r));
  }
  return results;
}

void warn_unread_fields(const rules::CompiledRuleSet& rules, const std::vector<Case>& cases,
                        rules::Diagnostics& diags) {
  const auto read = rules.fields_read();
  const FieldId evt_type = fields::find_field("evt.type")->id;
  for (const auto& c : cases) {
    for (const auto& f : c.fields) {
      if (f.id == evt_type) continue;
      const bool used = std::any_of(read.begin(), read.end(), [&](const FieldRef& r) {
        return r.id == f.id && (f.key.empty() || r.key == f.key);
      });
      if (!used) {
        diags.warning(f.pos, "case '" + c.name + "': no rule reads field '" + f.name + "'");
      }
    }
  }
}

void print_results(const std::vector<CaseResult>& results, bool json, std::ostream& out) {
  size_t failed = 0;
  for (const auto& r : results) failed += !r.passed;
  if (json) {
    nlohmann::json cases = nlohmann::json::array();
    for (const auto& r : results) {
      cases.push_back({{"case", r.c->name},
                       {"event_type", std::string(fields::event_type(r.c->type).name)},
                       {"file", r.c->pos.file},
                       {"line", r.c->pos.line},
                       {"passed", r.passed},
                       {"rules", r.fired},
                       {"action", r.action},
                       {"outputs", r.outputs},
                       {"why", r.why}});
    }
    out << nlohmann::json{{"cases", cases}, {"passed", results.size() - failed}, {"failed", failed}}
               .dump(2)
        << "\n";
    return;
  }
  for (const auto& r : results) {
    out << (r.passed ? "ok    " : "FAIL  ") << r.c->pos.file << ":" << r.c->pos.line << "  "
        << r.c->name;
    if (!r.passed) out << "\n      " << r.why;
    out << "\n";
  }
  out << results.size() - failed << " passed, " << failed << " failed\n";
}

}  // namespace vigil::ruletest

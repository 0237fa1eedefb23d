// `vigil rules test`: rules as code. A cases file lists events (field values, Falco's
// meanings) and what the rules must do with each: which rules fire and the action. Each
// case runs through the compiled rule set and the daemon's own verdict pipeline, once per
// channel its event type can come from (a file open reaches vigil through seccomp and
// fanotify alike), exactly as the daemon would decide it.
//
//   - case: a mount in a container is blocked
//     event: {evt.type: mount, container.id: 0123456789ab, proc.name: mount}
//     mode: enforce                 # optional, default enforce
//     channel: syscall              # optional: only this one (syscall, fanotify-open, ...)
//     expect:
//       rules: [Mount in container] # exactly these fire (rule_matching: all); [] none
//       action: block               # alert | block | kill | none
#pragma once

#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "src/config/config.h"
#include "src/rules/compiled_rules.h"
#include "src/rules/diagnostics.h"

namespace vigil::ruletest {

struct FieldSetting {
  FieldId id = 0;
  int32_t index = -1;
  std::string key;
  FieldType type = FieldType::kString;
  std::vector<std::string> values;  // one, or a list's items
  bool is_list = false;
  std::string name;  // as written
  rules::Position pos;
};

struct Case {
  std::string name;
  rules::Position pos;
  EventTypeId type = 0;
  std::vector<FieldSetting> fields;
  config::Mode mode = config::Mode::kEnforce;
  // Only this channel (a recorded event's own); default: every channel of its type.
  std::optional<Channel> channel;
  std::optional<std::vector<std::string>> expect_rules;
  std::optional<std::string> expect_action;  // alert, block, kill, none
};

// A field as a case or a recording writes it ("proc.aname[2]", "evt.arg.flags",
// "evt.arg[0]"): its id, key, index and type; nullopt with `error` if vigil has no such field.
std::optional<FieldSetting> parse_field(const std::string& written, std::string& error);

// Reads a cases file; every problem is a diagnostic with file:line:col (an unknown field
// is an error). Cases with errors are left out.
std::vector<Case> load_cases(const std::string& path, rules::Diagnostics& diags);

struct CaseResult {
  const Case* c = nullptr;
  std::vector<std::string> fired;  // rule names, in rule order
  std::string action;              // alert, block, kill, none
  std::vector<std::string> outputs;
  bool passed = true;
  std::string why;  // what differed, when it failed
};

// Runs every case against `rules` (compiled with rule_matching: all).
std::vector<CaseResult> run_cases(const rules::CompiledRuleSet& rules,
                                  const std::vector<Case>& cases);

// Warnings for fields a case gives that no rule reads (a typo, or a rule that changed).
void warn_unread_fields(const rules::CompiledRuleSet& rules, const std::vector<Case>& cases,
                        rules::Diagnostics& diags);

// One line per case, then "N passed, M failed"; or one JSON object.
void print_results(const std::vector<CaseResult>& results, bool json, std::ostream& out);

}  // namespace vigil::ruletest

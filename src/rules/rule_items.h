// What the YAML loader collects from rules files, after Falco's define/append/override
// semantics have been applied: lists, macros and rules by name, in definition order.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "src/rules/diagnostics.h"
#include "vigil/verdict.h"

namespace vigil::rules {

struct ListItem {
  std::string text;  // as written in YAML; parsed as a condition value when used
  Position pos;
};

struct ListDef {
  std::string name;
  std::vector<ListItem> items;
  Position pos;
  uint32_t index = 0;       // order of first definition
  uint32_t visibility = 0;  // items defined before this may be referenced
};

struct MacroDef {
  std::string name;
  SourceText condition;
  Position pos;
  uint32_t index = 0;
  uint32_t visibility = 0;
};

// One entry of an exception's fields/comps/values: a scalar or a (nested) sequence.
struct ExceptionEntry {
  bool valid = false;
  bool is_list = false;
  std::string item;
  Position pos;
  std::vector<ExceptionEntry> items;
};

struct ExceptionDef {
  std::string name;
  Position pos;
  ExceptionEntry fields;
  ExceptionEntry comps;
  std::vector<ExceptionEntry> values;
};

struct RuleDef {
  std::string name;
  std::string file;  // where it was first defined
  Position pos;
  std::string desc;
  SourceText condition;
  SourceText output;
  Priority priority = Priority::kDebug;
  std::string source = "syscall";
  bool enabled = true;
  bool warn_evttypes = true;
  bool skip_if_unknown_filter = false;
  std::set<std::string> tags;
  std::vector<ExceptionDef> exceptions;
  Action action = Action::kAlert;
  int block_errno = 0;       // 0 = the default (EPERM)
  bool load_failed = false;  // the definition had errors; it is reported, never compiled
  uint32_t index = 0;
  uint32_t visibility = 0;
};

// The collected items of one load (one or more files, in order).
struct Collection {
  std::vector<ListDef> lists;
  std::vector<MacroDef> macros;
  std::vector<RuleDef> rules;
  std::map<std::string, size_t> list_index;
  std::map<std::string, size_t> macro_index;
  std::map<std::string, size_t> rule_index;
  std::vector<std::string> files;                // in load order
  std::map<std::string, size_t> items_per_file;  // top-level items read
  uint32_t next_index = 0;
};

}  // namespace vigil::rules

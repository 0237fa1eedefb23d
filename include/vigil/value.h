// A field value as the rule program sees it: a borrowed view, never an owner.
// Events own the storage; a Value is valid until the event it came from is destroyed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace vigil {

// kUnknown appears only in static analysis (CompiledRuleSet::provably_no_match): a value
// that depends on who opens a file, when the question is whether any opener could match.
// An unknown string may come with a known part (`str`): the value is `str` followed by one
// path component, any name (the analysis of every file in one directory).
enum class ValueKind : uint8_t { kNone, kString, kInt, kBool, kStringList, kUnknown };

struct Value {
  ValueKind kind = ValueKind::kNone;
  int64_t num = 0;                          // kInt, kBool (0/1)
  std::string_view str;                     // kString
  const std::string_view* items = nullptr;  // kStringList
  size_t count = 0;                         // kStringList

  static Value none() { return {}; }
  static Value of(std::string_view s) {
    Value v;
    v.kind = ValueKind::kString;
    v.str = s;
    return v;
  }
  static Value of_int(int64_t n) {
    Value v;
    v.kind = ValueKind::kInt;
    v.num = n;
    return v;
  }
  static Value of_bool(bool b) {
    Value v;
    v.kind = ValueKind::kBool;
    v.num = b ? 1 : 0;
    return v;
  }
  static Value list(const std::string_view* items, size_t count) {
    Value v;
    v.kind = ValueKind::kStringList;
    v.items = items;
    v.count = count;
    return v;
  }
  static Value unknown() {
    Value v;
    v.kind = ValueKind::kUnknown;
    return v;
  }
  static Value unknown_child_of(std::string_view dir_slash) {
    Value v;
    v.kind = ValueKind::kUnknown;
    v.str = dir_slash;
    return v;
  }
  bool missing() const { return kind == ValueKind::kNone; }
  bool unknown_value() const { return kind == ValueKind::kUnknown; }
};

}  // namespace vigil

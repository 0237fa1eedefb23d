// Typed, positioned access to the YAML of a rules file: every value read through here is
// checked for its shape, and every problem carries the file:line:col it came from. The
// collector semantics (what an item means) live in loader.cc.
#pragma once

#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "src/rules/diagnostics.h"
#include "src/rules/rule_items.h"

namespace vigil::rules {

// Raised for a problem in one item; the loader records it and moves to the next item.
struct ItemError {
  Position pos;
  std::string message;
};

// The byte offset of the first byte that is not UTF-8, if any.
bool valid_utf8(const std::string& s, size_t& bad);
Position offset_position(const std::string& file, const std::string& raw, size_t offset);

// Parses every document of `raw`, or throws YAML::Exception; never hangs on the inputs that
// make yaml-cpp 0.7's LoadAll loop.
std::vector<YAML::Node> load_all_documents(const std::string& raw);

class YamlItems {
 protected:
  YamlItems(const std::string& file, const std::string& raw, Diagnostics& d)
      : file_(file), raw_(raw), diags_(d) {}

  static std::string hex_byte(char c);
  Position mark_pos(const YAML::Mark& m) const;
  Position pos_of(const YAML::Node& n) const { return mark_pos(n.Mark()); }
  // The key node of `key` in mapping `item` (for positions), or an undefined node.
  YAML::Node key_node(const YAML::Node& item, const std::string& key) const;
  [[noreturn]] void fail(const YAML::Node& at, const std::string& msg) const;
  std::string scalar(const YAML::Node& item, const std::string& key, bool optional,
                     bool* present = nullptr) const;
  bool boolean(const YAML::Node& item, const std::string& key, bool dflt,
               bool* present = nullptr) const;
  static std::string kind(const YAML::Node& n);
  std::shared_ptr<const SourceMap> scalar_map(const YAML::Node& v) const;
  SourceText text_of(const YAML::Node& item, const std::string& key) const;
  std::vector<std::string> string_seq(const YAML::Node& item, const std::string& key) const;
  void warn_unknown_keys(const YAML::Node& item, std::initializer_list<const char*> known);

  const std::string& file_;
  const std::string& raw_;
  Diagnostics& diags_;
};

}  // namespace vigil::rules

// A compiled, immutable rule set: the engine evaluates events against it and publishes new
// generations by swapping a shared_ptr (a failed reload never touches the one in force).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "vigil/event.h"
#include "vigil/verdict.h"

namespace vigil {

enum class RuleMatching : uint8_t { kFirst, kAll };

// One of Falco's `rules:` selectors in the config, applied in order to the loaded rules:
// enables or disables the rules named (with "*" wildcards) or tagged.
struct RuleSelector {
  bool enable = false;
  bool by_tag = false;                // else by rule name
  std::vector<std::string> patterns;  // rule names or tags
};

struct RuleFacts {
  std::string name;
  Priority priority;
  Action action;
  int block_errno;  // errno returned by a seccomp block (EPERM unless the rule says)
  std::vector<std::string> tags;
};

class RuleSet {
 public:
  virtual ~RuleSet() = default;

  // Writes the indexes of the rules that match `e` (load order) into `out`, at most
  // `capacity`; with RuleMatching::kFirst at most one. Returns how many were written.
  // Allocation-free; never throws.
  virtual size_t evaluate(Event& e, uint32_t* out, size_t capacity) const = 0;

  virtual const RuleFacts& facts(uint32_t rule) const = 0;

  // The rule's output line with %fields substituted (<NA> for missing values), and the
  // fields it names with their values, for JSON alerts.
  virtual std::string format_output(uint32_t rule, Event& e) const = 0;
  virtual std::vector<std::pair<std::string, std::string>> output_fields(uint32_t rule,
                                                                         Event& e) const = 0;
};

}  // namespace vigil

// The compiled rule set: rules with their programs and facts, indexed by (channel, event
// type), and the kernel interception the whole set needs.
#pragma once

#include <array>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "src/fields/event_types.h"
#include "src/rules/diagnostics.h"
#include "src/rules/program.h"
#include "vigil/rule_set.h"

namespace vigil::rules {

enum class RuleStatus : uint8_t { kCompiled, kUnsupported, kDisabled, kError };
std::string_view rule_status_name(RuleStatus s);

// An output format: literal text and operands.
struct OutputFormat {
  struct Segment {
    std::string text;    // literal text, or the field's name
    bool field = false;  // a %field (operand null if vigil cannot supply it)
    std::unique_ptr<Operand> operand;
    int width = 0;
  };
  std::vector<Segment> segments;
};

struct CompiledRule {
  RuleFacts facts;
  std::string file;
  Position pos;
  std::string desc;
  bool enabled = true;
  RuleStatus status = RuleStatus::kCompiled;
  std::string reason;             // why unsupported / disabled / failed
  bool by_config = false;         // disabled by the config's priority or rules: selectors
  std::unique_ptr<Node> program;  // null unless compiled
  OutputFormat output;
  fields::EventTypeSet event_types;  // what the condition can match
  bool unrestricted = false;         // no evt.type restriction (Falco's warn_evttypes case)
  // Per event type, the channel the rule is bound to (event type id, channel).
  std::vector<std::pair<EventTypeId, Channel>> bindings;
  std::vector<std::string> syscalls;     // to NOTIFY for this rule
  ChannelMask file_channels = 0;         // the fanotify channels it needs
  std::optional<bool> sound;             // blocking rules only: decision free of races?
  std::vector<std::string> racy_fields;  // what makes it racy
};

class CompiledRuleSet final : public RuleSet {
 public:
  size_t evaluate(Event& e, uint32_t* out, size_t capacity) const override;
  const RuleFacts& facts(uint32_t rule) const override { return rules_[rule].facts; }
  std::string format_output(uint32_t rule, Event& e) const override;
  std::vector<std::pair<std::string, std::string>> output_fields(uint32_t rule,
                                                                 Event& e) const override;

  // True if no rule bound to this event's channel and type could match an event about the
  // same file, whoever opened it: only the fd.* fields, evt.type and container.* (constant
  // for a container's group) are taken as known, everything else as unknown. The basis of
  // the fanotify decision cache.
  bool provably_no_match(Event& e) const;
  // The same for an event about any file directly in directory `dir` (an absolute path),
  // whatever its name: the basis of the per-directory cache.
  bool provably_no_match_in(Event& e, std::string_view dir) const;

  const std::vector<CompiledRule>& rules() const { return rules_; }
  // What the active (compiled, enabled) rules need from the kernel.
  std::set<std::string> syscalls() const;
  // Those of syscalls() that every active rule needs only when the call asks to write: open
  // and openat whose flags (a register) hold O_WRONLY, O_RDWR, O_CREAT or O_TRUNC. The
  // seccomp filter then leaves read-only opens in the kernel.
  std::set<std::string> write_only_syscalls() const;
  // Syscalls that every active rule needs only when a register argument rendered as flag
  // names (clone's and unshare's flags) has one of some bits set: {argument index, bits}.
  // The seccomp filter then notifies only those calls (a fork stays in the kernel while a
  // clone(CLONE_NEWUSER) reaches vigil). Derived only where it is provable: every check of
  // those rules on the argument compares it with whole flag names, and with none of the
  // bits set no rule can match.
  struct FlagFilter {
    unsigned index;
    uint64_t bits;
  };
  std::map<std::string, FlagFilter> flag_filters() const;
  // The file channels (fanotify events) the active rules need.
  ChannelMask file_channels() const;
  // Every distinct field reference the active rules' conditions and outputs read (keys
  // point into this rule set): what a captured or recorded event must hold.
  std::vector<FieldRef> fields_read() const;
  // The host names the rules compare fd.sip.name, fd.cip.name, fd.rip.name or fd.lip.name
  // with: what the DNS cache (fields/dns_cache.h) must keep resolved.
  std::set<std::string> dns_names() const;
  RuleMatching matching() const { return matching_; }

 private:
  friend class Compiler;
  std::vector<CompiledRule> rules_;
  std::vector<std::unique_ptr<Check>> checks_;  // distinct checks, shared by the programs
  std::array<std::array<std::vector<uint32_t>, fields::kMaxEventTypes>, kChannelCount> index_;
  RuleMatching matching_ = RuleMatching::kFirst;
};

}  // namespace vigil::rules

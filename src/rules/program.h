// The executable form of a condition: fields bound to FieldRefs, constants parsed, regexes
// compiled, sets sorted. Evaluation allocates nothing in steady state and short-circuits.
#pragma once

#include <re2/re2.h>

#include <array>
#include <bitset>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "vigil/event.h"
#include "vigil/field.h"

namespace vigil::rules {

enum class Op : uint8_t {
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kContains,
  kIContains,
  kBContains,
  kStartsWith,
  kBStartsWith,
  kEndsWith,
  kGlob,
  kIGlob,
  kRegex,
  kIn,
  kIntersects,
  kPMatch,
  kExists,
};

enum class Transform : uint8_t { kToLower, kToUpper, kB64, kBasename, kLen };

// An IPv4 or IPv6 address (v4 stored as v4-mapped v6) with an optional prefix length.
struct IpNet {
  std::array<uint8_t, 16> addr{};
  int prefix = 128;  // 128 = a single address
  static bool parse(std::string_view s, IpNet& out);
  bool contains(const IpNet& a) const;
};

inline constexpr size_t kMaxTransformSlots = 16;

struct Operand {
  enum class Kind : uint8_t { kField, kTransform, kLiteral };
  Kind kind = Kind::kField;
  FieldType type = FieldType::kString;  // the type this operand produces
  FieldRef ref;                         // kField
  std::string key_storage;              // backs ref.key; operands never move (unique_ptr)
  Transform transform = Transform::kToLower;
  uint8_t slot = 0;                // scratch buffer of this transform
  std::unique_ptr<Operand> child;  // kTransform
  std::string literal;             // kLiteral

  Value eval(Event& e) const;
};

struct Check {
  std::unique_ptr<Operand> lhs;
  Op op = Op::kEq;
  FieldType type = FieldType::kString;  // comparison domain (lhs type; list -> string)
  // Constant right-hand side, parsed for the lhs type:
  std::string str;  // string ops; hex-decoded bytes for b* ops
  int64_t num = 0;  // int and bool
  IpNet ip;
  std::vector<std::string> strs;  // in/intersects/pmatch, sorted (pmatch: as written)
  std::unordered_set<std::string_view> str_set;  // views into strs, for larger sets
  std::vector<int64_t> nums;                     // sorted
  std::vector<IpNet> ips;
  std::unique_ptr<RE2> regex;
  std::unique_ptr<Operand> rhs;  // val(field) or a transformer instead of a constant
  // For a check on evt.type alone: the event types for which it holds (constant folding).
  std::optional<std::bitset<128>> event_types;

  uint32_t id = 0;  // index of this check among its rule set's distinct checks

  bool eval(Event& e) const;
  // Three-valued: nullopt when a value it reads is unknown.
  std::optional<bool> eval3(Event& e) const;
  // Builds str_set once strs is final; sets of a few strings stay a sorted vector.
  void index_strings();
};

// Results of the checks already evaluated for the current event. Identical checks are
// shared across a rule set (the compiler interns them), so a check that appears in many
// rules or macros runs once per event. `stamps[id]` is 2*generation + result.
struct CheckMemo {
  uint64_t* stamps = nullptr;  // one per distinct check; null = no memoization
  uint64_t generation = 0;     // > 0, new for each event
};

struct Node {
  enum class Kind : uint8_t { kAnd, kOr, kNot, kCheck, kTrue, kFalse };
  Kind kind = Kind::kCheck;
  std::vector<Node> children;
  const Check* check = nullptr;  // owned by the rule set (or the ConditionResult)

  bool eval(Event& e, const CheckMemo& memo) const {
    switch (kind) {
      case Kind::kAnd:
        for (const auto& c : children)
          if (!c.eval(e, memo)) return false;
        return true;
      case Kind::kOr:
        for (const auto& c : children)
          if (c.eval(e, memo)) return true;
        return false;
      case Kind::kNot:
        return !children[0].eval(e, memo);
      case Kind::kCheck: {
        if (!memo.stamps) return check->eval(e);
        uint64_t& stamp = memo.stamps[check->id];
        if ((stamp >> 1) == memo.generation) return (stamp & 1) != 0;
        const bool r = check->eval(e);
        stamp = (memo.generation << 1) | (r ? 1 : 0);
        return r;
      }
      case Kind::kTrue:
        return true;
      case Kind::kFalse:
        return false;
    }
    return false;
  }
  bool eval(Event& e) const { return eval(e, CheckMemo{}); }

  // Kleene three-valued evaluation, for proving that a rule cannot match whatever the
  // unknown values are: false means "false for every value of the unknowns".
  std::optional<bool> eval3(Event& e) const {
    switch (kind) {
      case Kind::kAnd:
      case Kind::kOr: {
        const bool is_and = kind == Kind::kAnd;
        bool unknown = false;
        for (const auto& c : children) {
          auto r = c.eval3(e);
          if (!r) {
            unknown = true;
          } else if (*r != is_and) {
            return !is_and;  // a false in an and, a true in an or, decides
          }
        }
        if (unknown) return std::nullopt;
        return is_and;
      }
      case Kind::kNot: {
        auto r = children[0].eval3(e);
        if (!r) return std::nullopt;
        return !*r;
      }
      case Kind::kCheck:
        return check->eval3(e);
      case Kind::kTrue:
        return true;
      case Kind::kFalse:
        return false;
    }
    return std::nullopt;
  }
};

// Folds checks on evt.type that are constant over `types` (the event types a rule is bound
// to: its index guarantees one of them) and simplifies the boolean structure around them.
void fold_event_types(Node& n, const std::bitset<128>& types);

// Helpers shared with output rendering and tests.
bool b64_decode(std::string_view in, std::string& out);
std::string render_value(const Value& v);

}  // namespace vigil::rules

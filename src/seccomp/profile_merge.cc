// The merge rules, per syscall S of the NOTIFY set:
//  - S named in an allow rule (SCMP_ACT_ALLOW/LOG): that rule's S entry becomes a NOTIFY
//    rule with the same argument conditions, so vigil sees exactly the calls the profile
//    allowed, and calls it denied still fall to the same deny.
//  - S named only in deny rules: when the default allows, vigil cannot add "NOTIFY unless
//    those arguments" without changing what is denied, so S is skipped and reported;
//    when the default denies, S stays denied.
//  - S not named: NOTIFY if the default action allows, else it stays denied.
// A filter on S (notify only when argument i has one of some bits set) turns each NOTIFY
// rule for S into one per bit ("args[i] & bit == bit"), and the calls with none of the
// bits keep the allow rule's action ("args[i] & bits == 0"): the two sets are disjoint, so
// no precedence between them matters. A rule that already tests argument i keeps S
// notified whole.
#include "src/seccomp/profile_merge.h"

#include <algorithm>
#include <cerrno>

namespace vigil::seccomp {
namespace {

bool allows(const std::string& action) {
  return action == "SCMP_ACT_ALLOW" || action == "SCMP_ACT_LOG";
}

std::vector<std::string> names_of(const nlohmann::json& rule) {
  std::vector<std::string> out;
  if (auto it = rule.find("names"); it != rule.end() && it->is_array()) {
    for (const auto& n : *it)
      if (n.is_string()) out.push_back(n.get<std::string>());
  }
  if (auto it = rule.find("name"); it != rule.end() && it->is_string()) {
    out.push_back(it->get<std::string>());
  }
  return out;
}

// A string member, or "" when it is missing or not a string (never throws: a config's
// types are untrusted).
std::string string_member(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool tests_arg(const nlohmann::json& rule, unsigned index) {
  auto it = rule.find("args");
  if (it == rule.end() || !it->is_array()) return false;
  for (const auto& a : *it) {
    if (!a.is_object()) continue;
    auto i = a.find("index");
    if (i != a.end() && i->is_number_unsigned() && i->get<uint64_t>() == index) return true;
  }
  return false;
}

nlohmann::json masked_eq(unsigned index, uint64_t mask, uint64_t value) {
  // OCI: for SCMP_CMP_MASKED_EQ, value is the mask and valueTwo the value.
  return {{"index", index}, {"value", mask}, {"valueTwo", value}, {"op", "SCMP_CMP_MASKED_EQ"}};
}

// The NOTIFY rules for `name` (from `base`: its args and the rest), filtered or whole;
// `keep_action` non-empty: also the rule that keeps that action for the calls left out.
void notify_rules(nlohmann::json& merged, const std::string& name, const nlohmann::json& base,
                  const NotifyFilter& f, const std::string& keep_action) {
  nlohmann::json args = base.value("args", nlohmann::json::array());
  if (!args.is_array()) args = nlohmann::json::array();
  for (uint64_t bit = 1; bit; bit <<= 1) {
    if (!(f.bits & bit)) continue;
    nlohmann::json n = base;
    n.erase("name");
    n.erase("errnoRet");
    n["names"] = {name};
    n["action"] = "SCMP_ACT_NOTIFY";
    n["args"] = args;
    n["args"].push_back(masked_eq(f.index, bit, bit));
    merged.push_back(n);
  }
  if (!keep_action.empty()) {
    nlohmann::json k = base;
    k.erase("name");
    k["names"] = {name};
    k["args"] = args;
    k["args"].push_back(masked_eq(f.index, f.bits, 0));
    merged.push_back(k);
  }
}

}  // namespace

bool inject(nlohmann::json& config, const InjectionPlan& plan, InjectionReport& report,
            std::string& error) {
  if (!config.is_object()) {
    error = "config.json is not a JSON object";
    return false;
  }
  nlohmann::json out = config;
  nlohmann::json& linux_section = out["linux"];
  if (linux_section.is_null()) linux_section = nlohmann::json::object();
  if (!linux_section.is_object()) {
    error = "config.json: \"linux\" is not an object";
    return false;
  }
  nlohmann::json& sc = linux_section["seccomp"];
  if (sc.is_null()) {
    sc = {{"defaultAction", "SCMP_ACT_ALLOW"}, {"syscalls", nlohmann::json::array()}};
  }
  if (!sc.is_object()) {
    error = "config.json: \"linux.seccomp\" is not an object";
    return false;
  }
  if (auto it = sc.find("listenerPath");
      it != sc.end() && it->is_string() && !it->get<std::string>().empty()) {
    error = "the container already has a seccomp listener (" + it->get<std::string>() +
            "); only one listener per filter is possible, so vigil will not replace it";
    return false;
  }
  const std::string default_action = string_member(sc, "defaultAction");
  if (default_action.empty()) {
    error = "config.json: linux.seccomp has no defaultAction (a string)";
    return false;
  }
  nlohmann::json rules = sc.value("syscalls", nlohmann::json::array());
  if (!rules.is_array()) {
    error = "config.json: linux.seccomp.syscalls is not an array";
    return false;
  }
  // ENOSYS for plan.enosys where the profile allows them: out of the allowing rules (a
  // second rule for the same call would conflict), into one errno rule of their own.
  std::set<std::string> enosys;
  if (!plan.enosys.empty()) {
    std::set<std::string> explicitly_denied;
    nlohmann::json kept = nlohmann::json::array();
    for (const auto& rule : rules) {
      if (!rule.is_object()) {
        kept.push_back(rule);  // reported below
        continue;
      }
      std::vector<std::string> keep, moved;
      for (const auto& n : names_of(rule)) (plan.enosys.count(n) ? moved : keep).push_back(n);
      if (moved.empty()) {
        kept.push_back(rule);
      } else if (!allows(string_member(rule, "action"))) {
        explicitly_denied.insert(moved.begin(), moved.end());
        kept.push_back(rule);
      } else {
        enosys.insert(moved.begin(), moved.end());
        if (!keep.empty()) {
          nlohmann::json k = rule;
          k.erase("name");
          k["names"] = keep;
          kept.push_back(k);
        }
      }
    }
    if (allows(default_action)) {
      for (const auto& n : plan.enosys) {
        if (!explicitly_denied.count(n)) enosys.insert(n);
      }
    }
    for (const auto& n : explicitly_denied) enosys.erase(n);
    rules = std::move(kept);
  }
  std::set<std::string> notify = plan.syscalls;
  notify.erase("write");  // runc rejects NOTIFY on write
  for (const auto& n : enosys) notify.erase(n);
  std::set<std::string> converted, denied;
  nlohmann::json merged = nlohmann::json::array();
  for (const auto& rule : rules) {
    if (!rule.is_object()) {
      error = "config.json: a linux.seccomp.syscalls entry is not an object";
      return false;
    }
    const std::string action = string_member(rule, "action");
    if (action == "SCMP_ACT_NOTIFY") {
      error = "the profile already uses SCMP_ACT_NOTIFY; it belongs to another listener";
      return false;
    }
    const auto names = names_of(rule);
    std::vector<std::string> keep, moved;
    for (const auto& n : names) (notify.count(n) ? moved : keep).push_back(n);
    if (moved.empty()) {
      merged.push_back(rule);
      continue;
    }
    if (!allows(action)) {
      denied.insert(moved.begin(), moved.end());
      merged.push_back(rule);
      continue;
    }
    if (!keep.empty()) {
      nlohmann::json k = rule;
      k.erase("name");
      k["names"] = keep;
      merged.push_back(k);
    }
    std::vector<std::string> whole;
    for (const auto& n : moved) {
      auto f = plan.filters.find(n);
      if (f == plan.filters.end() || !f->second.bits || tests_arg(rule, f->second.index)) {
        whole.push_back(n);
      } else {
        notify_rules(merged, n, rule, f->second, action);
      }
    }
    if (!whole.empty()) {
      nlohmann::json m = rule;
      m.erase("name");
      m.erase("errnoRet");
      m["names"] = whole;
      m["action"] = "SCMP_ACT_NOTIFY";
      merged.push_back(m);
    }
    converted.insert(moved.begin(), moved.end());
  }
  std::vector<std::string> added, whole;
  for (const auto& s : notify) {
    if (converted.count(s)) continue;
    if (denied.count(s)) {
      (allows(default_action) ? report.skipped : report.already_denied).push_back(s);
      continue;
    }
    if (!allows(default_action)) {
      report.already_denied.push_back(s);
      continue;
    }
    added.push_back(s);
    auto f = plan.filters.find(s);
    if (f == plan.filters.end() || !f->second.bits) {
      whole.push_back(s);
    } else {
      // The default action allows the calls left out.
      notify_rules(merged, s, nlohmann::json::object(), f->second, std::string());
    }
  }
  if (!whole.empty()) {
    merged.push_back({{"names", whole}, {"action", "SCMP_ACT_NOTIFY"}});
  }
  if (!enosys.empty()) {
    merged.push_back({{"names", std::vector<std::string>(enosys.begin(), enosys.end())},
                      {"action", "SCMP_ACT_ERRNO"},
                      {"errnoRet", ENOSYS}});
  }
  report.notified.assign(converted.begin(), converted.end());
  report.notified.insert(report.notified.end(), added.begin(), added.end());
  std::sort(report.notified.begin(), report.notified.end());
  sc["syscalls"] = merged;
  if (!report.notified.empty()) sc["listenerPath"] = plan.listener_path;
  config = std::move(out);
  return true;
}

}  // namespace vigil::seccomp

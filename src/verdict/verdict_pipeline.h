// From an event to what to do about it: the rules that match, the one action they add up
// to under the configured mode, and their alerts. The mode is applied here and nowhere
// else; every alert, the rules' and vigil's own, is built here. Knows no kernel channel:
// the seccomp and fanotify handlers turn a Verdict into their own answer.
#pragma once

#include <cerrno>
#include <cstdint>
#include <string>
#include <vector>

#include "src/config/config.h"
#include "src/fields/container_info.h"
#include "src/outputs/alert_record.h"
#include "vigil/event.h"
#include "vigil/rule_set.h"

namespace vigil::verdict {

struct Verdict {
  // What the answer must do: kAlert lets the event go on (always so in monitor mode),
  // kBlock refuses it with `error` (seccomp) or FAN_DENY, kKill also kills the process.
  Action action = Action::kAlert;
  // What the matched rules add up to before the mode is applied (equal to `action` in
  // enforce mode): what a recording and a replay compare.
  Action decided = Action::kAlert;
  int error = EPERM;
  // One per matched rule, fields already read. Queue them before answering (they are
  // journaled), write them after.
  std::vector<outputs::Alert> alerts;
  bool matched() const { return !alerts.empty(); }
};

class VerdictPipeline {
 public:
  VerdictPipeline(config::Mode mode, std::string hostname)
      : mode_(mode), hostname_(std::move(hostname)) {}

  // Evaluates `event` (about container `c`) against `rules`. Allocation-free when nothing
  // matches, which is nearly every event.
  Verdict decide(const RuleSet& rules, Event& event, const fields::ContainerInfo& c) const;

  // An alert of vigil's own (a fallback answer, a queue overflow, the keeper's death).
  outputs::Alert engine_alert(Priority p, const std::string& rule, const std::string& output,
                              const std::string& container_id = "") const;

  config::Mode mode() const { return mode_; }
  bool enforcing() const { return mode_ == config::Mode::kEnforce; }

 private:
  config::Mode mode_;
  std::string hostname_;
};

int64_t now_ns();

}  // namespace vigil::verdict

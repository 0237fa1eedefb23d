// Matching, the mode, and alert building.
#include "src/verdict/verdict_pipeline.h"

#include <chrono>

namespace vigil::verdict {

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Verdict VerdictPipeline::decide(const RuleSet& rules, Event& event,
                                const fields::ContainerInfo& c) const {
  Verdict v;
  uint32_t matched[32];
  const size_t n = rules.evaluate(event, matched, 32);
  if (n == 0) return v;
  Action strongest = Action::kAlert;
  int error = EPERM;
  for (size_t i = 0; i < n; ++i) {
    const auto& f = rules.facts(matched[i]);
    if (int(f.action) > int(strongest)) {
      strongest = f.action;
      error = f.block_errno;
    }
  }
  // Monitor mode: every block and kill becomes an alert that says what it would have done.
  v.decided = strongest;
  v.action = enforcing() ? strongest : Action::kAlert;
  v.error = error;
  // The alerts' fields are read before answering: once answered, a short-lived process may
  // exit and its /proc entries with it. Only matched events pay this.
  const int64_t t = now_ns();
  v.alerts.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const auto& f = rules.facts(matched[i]);
    outputs::Alert a;
    a.time_ns = t;
    a.rule = f.name;
    a.priority = f.priority;
    a.output = rules.format_output(matched[i], event);
    a.output_fields = rules.output_fields(matched[i], event);
    a.tags = f.tags;
    if (f.action == Action::kAlert) {
      a.action = "alert";
    } else if (!enforcing()) {
      a.action = f.action == Action::kBlock ? "would block" : "would kill";
    } else {
      a.action = std::string(action_name(f.action));
    }
    a.container_id = c.id;
    a.container_name = c.name.empty() ? "<NA>" : c.name;  // as Falco shows what is unknown
    a.container_image = c.image.empty() ? "<NA>" : c.image;
    a.hostname = hostname_;
    v.alerts.push_back(std::move(a));
  }
  return v;
}

outputs::Alert VerdictPipeline::engine_alert(Priority p, const std::string& rule,
                                             const std::string& output,
                                             const std::string& container_id) const {
  outputs::Alert a;
  a.time_ns = now_ns();
  a.rule = rule;
  a.priority = p;
  a.action = "alert";
  a.hostname = hostname_;
  a.container_id = container_id;
  a.output = output;
  return a;
}

}  // namespace vigil::verdict
